// RFC 2782 target selection order: priority ascending, weighted random within
// a priority.
//
// Why a separate unit: the random source must be injectable so tests can
// check the exact selection rule and the weight distribution.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dns/records.h"

namespace smtpsec::dns {

// Returns an integer drawn uniformly from [0, max], both ends included.
using UniformRandom = std::function<std::uint64_t(std::uint64_t max)>;

// A non-cryptographic source (std::mt19937_64 seeded from std::random_device);
// target order is load spreading, not a secret.
UniformRandom default_random();

// Orders `targets` per RFC 2782 ("Usage rules"): for each priority, lowest
// first, repeatedly draw r in [0, sum of remaining weights] and take the
// first remaining record (weight-0 records placed first, others in the given
// order) whose running weight sum is >= r. Weight-0 records thus keep the
// small chance the RFC gives them when others have weight.
std::vector<SrvTarget> order_srv_targets(std::vector<SrvTarget> targets, const UniformRandom& random);

}  // namespace smtpsec::dns

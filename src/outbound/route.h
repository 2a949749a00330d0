// The walk over the (SRV target, address) pairs of one recipient domain, in
// the spirit of Postfix's SMTP_ITERATOR: the targets in RFC 2782 order, for
// each its addresses (IPv6 first, then IPv4), each pair tried at most once.
// Pure: the Deliverer feeds it what DNS said and asks where to go next; the
// fallback rule (attempt_outcome.h, docs/outbound.md) decides whether the
// next pair is on the same host or the next one.
//
// Bounded: the SRV and address answers come from the recipient's DNS, and
// every attempt may cost a connect timeout, so one walk makes at most
// kMaxAttempts connection attempts (Postfix stops at 5 addresses by
// default) and the rest of the targets are not tried; the queue retries.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dns/records.h"
#include "dns/verdict.h"
#include "net/socket.h"

namespace smtpsec::outbound {

class Route {
public:
    static constexpr std::size_t kMaxAttempts = 10;

    // A new walk over `targets` (in the order to try).
    void start(std::vector<dns::SrvTarget> targets);

    // Moves to the next target, dropping what is left of the current one's
    // addresses; nothing when every target was tried or the attempts are used.
    const dns::SrvTarget* next_target();
    const dns::SrvTarget& target() const { return targets_.at(target_index_ - 1); }

    // The current target's usable addresses (bogus or failed families left
    // out), IPv6 first; returns how many.
    std::size_t set_addresses(const dns::AddressResult& found);
    // The next address of the current target to try; nothing when its
    // addresses are used up, or the walk's attempts are.
    std::optional<net::Endpoint> next_address();

    bool attempts_used_up() const { return attempts_ >= kMaxAttempts; }
    std::size_t attempts() const { return attempts_; }

private:
    std::vector<dns::SrvTarget> targets_;
    std::size_t target_index_ = 0;  // one past the current target
    std::vector<net::Endpoint> addresses_;
    std::size_t address_index_ = 0;
    std::size_t attempts_ = 0;
};

}  // namespace smtpsec::outbound

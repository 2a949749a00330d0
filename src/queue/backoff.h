// When a recipient that failed temporarily is tried again.
//
// Why Postfix's rule: operators know it. The delay starts at retry_min and
// doubles with each failed attempt, capped at retry_max; the last attempt is
// made when the lifetime ends rather than after it, so expiry is on time.
#pragma once

#include <cstdint>

#include "queue/settings.h"

namespace smtpsec::queue {

// Seconds to wait after the `attempts`-th failed attempt (attempts >= 1).
std::int64_t backoff_delay(std::uint32_t attempts, const QueueSettings& settings);

// The next attempt after a temporary failure at `now`, for mail that arrived
// at `arrival`.
std::int64_t next_attempt_after(std::int64_t now, std::int64_t arrival, std::uint32_t attempts,
                                const QueueSettings& settings);

// The lifetime is over: a temporary failure now is final.
bool expired(std::int64_t now, std::int64_t arrival, const QueueSettings& settings);

}  // namespace smtpsec::queue

// See backoff.h.
#include "queue/backoff.h"

#include <algorithm>

namespace smtpsec::queue {

std::int64_t backoff_delay(std::uint32_t attempts, const QueueSettings& s) {
    std::int64_t low = std::max<std::int64_t>(1, s.retry_min.count());
    std::int64_t high = std::max<std::int64_t>(low, s.retry_max.count());
    std::int64_t delay = low;
    for (std::uint32_t i = 1; i < attempts && delay < high; ++i) delay *= 2;
    return std::min(delay, high);
}

std::int64_t next_attempt_after(std::int64_t now, std::int64_t arrival, std::uint32_t attempts,
                                const QueueSettings& s) {
    std::int64_t next = now + backoff_delay(attempts, s);
    std::int64_t end = arrival + s.lifetime.count();
    return now < end ? std::min(next, end) : next;
}

bool expired(std::int64_t now, std::int64_t arrival, const QueueSettings& s) {
    return now >= arrival + s.lifetime.count();
}

}  // namespace smtpsec::queue

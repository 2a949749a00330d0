// See queue_id.h.
#include "queue/queue_id.h"

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <random>

namespace smtpsec::queue {

std::string make_queue_id() {
    static std::atomic<std::uint32_t> counter{std::random_device{}()};
    thread_local std::mt19937 random{std::random_device{}()};
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    auto seconds = static_cast<std::uint64_t>(micros / 1000000);
    auto fraction = static_cast<std::uint32_t>(micros % 1000000);
    // The counter makes ids from one process distinct even within a microsecond.
    std::uint32_t tail = (random() ^ (counter.fetch_add(1) * 2654435761u)) & 0xFFFFFFu;
    return fmt::format("{:010X}{:05X}{:06X}", seconds, fraction, tail);
}

bool is_queue_id(std::string_view text) {
    if (text.size() != 21) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

}  // namespace smtpsec::queue

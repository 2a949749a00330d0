// Rate limit for the log lines one connection can cause (issue 13 item 5,
// D8): a client sending junk gets an answer and a log line per Message, and
// wrote 827 MB of log in 30 s. The first `first` lines of a connection are
// logged; after that lines are only counted, and one summary line at most
// every `interval` seconds (and one when the connection ends) says how many
// were left out. Pure: the caller passes the time.
#pragma once

#include <cstdint>
#include <optional>

namespace smtpsec::inbound {

class LogLimiter {
public:
    static constexpr std::uint64_t kFirst = 20;
    static constexpr double kInterval = 10;

    explicit LogLimiter(std::uint64_t first = kFirst, double interval = kInterval)
        : first_(first), interval_(interval) {}

    // True: log this line. False: it is counted for the next summary.
    bool allow(double now) {
        if (logged_ < first_) {
            ++logged_;
            return true;
        }
        if (suppressed_ == 0) since_ = now;  // the summary is due an interval after the first line left out
        ++suppressed_;
        return false;
    }
    // The number of lines left out since the last summary, when a summary is
    // due (an interval after the first one left out, or `final`).
    std::optional<std::uint64_t> summary(double now, bool final = false) {
        if (suppressed_ == 0 || (!final && now - since_ < interval_)) return std::nullopt;
        auto n = suppressed_;
        suppressed_ = 0;
        return n;
    }

private:
    std::uint64_t first_;
    double interval_;
    std::uint64_t logged_ = 0;
    std::uint64_t suppressed_ = 0;
    double since_ = 0;
};

}  // namespace smtpsec::inbound

// RFC 3339 formatting and parsing with the C++20 calendar (no timegm, no locale).
#include "tls/time_text.h"

#include <cstdio>

namespace smtpsec::tls {

namespace {

// Reads exactly `width` decimal digits at `pos`.
bool digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > text.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

}  // namespace

TimePoint from_unix_seconds(std::int64_t seconds) {
    using namespace std::chrono;
    constexpr auto max_s = duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
    constexpr auto min_s = duration_cast<std::chrono::seconds>(TimePoint::duration::min()).count();
    if (seconds >= max_s) return TimePoint::max();
    if (seconds <= min_s) return TimePoint::min();
    return TimePoint{duration_cast<TimePoint::duration>(std::chrono::seconds{seconds})};
}

TimePoint from_unix_milliseconds(std::uint64_t milliseconds) {
    using namespace std::chrono;
    constexpr auto max_ms = duration_cast<std::chrono::milliseconds>(TimePoint::duration::max()).count();
    if (milliseconds >= std::uint64_t(max_ms)) return TimePoint::max();
    return TimePoint{
        duration_cast<TimePoint::duration>(std::chrono::milliseconds{std::int64_t(milliseconds)})};
}

std::string rfc3339(TimePoint when) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(when);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                  int(hms.seconds().count()));
    return buf;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    using namespace std::chrono;
    int y, mo, d, h, mi, s;
    if (!digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !digits(text, 11, 2, h) || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
        !digits(text, 17, 2, s))
        return std::nullopt;
    const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;

    std::size_t pos = 19;
    microseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        long long value = 0;
        int scale = 1000000;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (scale > 1) {
                scale /= 10;
                value += (text[pos] - '0') * scale;
            }
            ++pos;
        }
        if (pos == start) return std::nullopt;
        fraction = microseconds{value};
    }
    minutes offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh, om;
        if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    const auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + fraction;
    return time_point_cast<system_clock::duration>(local - offset);
}

}  // namespace smtpsec::tls

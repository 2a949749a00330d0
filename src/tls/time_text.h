// RFC 3339 times in and out: the CT log list writes its state and interval
// times this way, and failure reasons print certificate dates this way.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsec::tls {

using TimePoint = std::chrono::system_clock::time_point;

// "2024-05-01T12:00:00Z" (UTC, whole seconds).
std::string rfc3339(TimePoint when);

// Accepts "YYYY-MM-DDTHH:MM:SS", optional fraction, then "Z" or "+hh:mm"/"-hh:mm".
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// Times since 1970 read from certificates and SCTs, clamped to what TimePoint
// holds (nanoseconds: about the years 1678 to 2262). A certificate may say
// 9999-12-31 (RFC 5280 4.1.2.5: no well-defined expiration) and an SCT any
// 64-bit timestamp; converting those unclamped overflows, which is undefined
// behaviour and in practice turns a far future into a past date.
TimePoint from_unix_seconds(std::int64_t seconds);
TimePoint from_unix_milliseconds(std::uint64_t milliseconds);

}  // namespace smtpsec::tls

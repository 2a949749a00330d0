// RFC 3339 times in and out: the CT log list writes its state and interval
// times this way, and failure reasons print certificate dates this way.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsec::tls {

using TimePoint = std::chrono::system_clock::time_point;

// "2024-05-01T12:00:00Z" (UTC, whole seconds).
std::string rfc3339(TimePoint when);

// Accepts "YYYY-MM-DDTHH:MM:SS", optional fraction, then "Z" or "+hh:mm"/"-hh:mm".
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace smtpsec::tls

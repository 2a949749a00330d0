// One line per event, to syslog (daemon) or stderr (foreground, tools), or to
// a test's capture. Lines start with the ids that tie them together (the
// MTA's queue id, then ours) so `grep QUEUEID` finds a message's whole story.
#pragma once

#include <fmt/core.h>

#include <functional>
#include <string>
#include <string_view>

namespace smtpsec::log {

enum class Level { debug, info, notice, warning, error };

std::string_view name_of(Level level);

using Sink = std::function<void(Level, std::string_view line)>;

// Where lines go; the default writes "smtpsecd[pid]: level: line" to stderr.
void set_sink(Sink sink);
void set_min_level(Level level);
// Opens syslog with the facility name ("mail", "local0", ...) and sends lines there.
bool use_syslog(const std::string& ident, const std::string& facility);

void write(Level level, std::string_view line);

template <class... Args>
void at(Level level, fmt::format_string<Args...> format, Args&&... args) {
    write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::warning, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace smtpsec::log

// One line per event, to syslog (the daemon, and under systemd), to stderr
// (foreground at a terminal, tests, tools), or to a test's capture. Lines
// about a message start with the ids that tie them together (the MTA's queue
// id, then ours) so `grep QUEUEID` finds a message's whole story.
//
// Under systemd, stderr goes to the journal, which records each line with
// priority "info" and facility "daemon" and puts its own "smtpsecd[pid]:"
// in front: warnings looked like information, and rsyslog's "mail.*" rule
// never saw them, so mail.log stayed empty of us (issue 14). Like Postfix
// and OpenDKIM under systemd, smtpsecd then logs through syslog(3): the
// journal and rsyslog both get the facility (mail by default) and each
// line's priority, and the prefix once.
#pragma once

#include <fmt/core.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace smtpsec::log {

enum class Level { debug, info, notice, warning, error };

std::string_view name_of(Level level);
// syslog(3) priority: LOG_DEBUG ... LOG_ERR.
int syslog_priority(Level level);
// The text of a line as syslog and the journal get it: Postfix's
// convention, "warning: TEXT" (debug, notice, warning, error) and plain TEXT
// for info.
std::string message_text(Level level, std::string_view line);
// A line for a terminal or a file: "smtpsecd[PID]: LEVEL: TEXT".
std::string stderr_line(Level level, std::string_view line, int pid);
// A line for stderr read by the journal (sd-daemon(3) prefix): "<N>TEXT",
// N the syslog priority; the journal adds the identifier and pid itself.
std::string journal_line(Level level, std::string_view line);

// Whether JOURNAL_STREAM ("DEVICE:INODE", set by systemd for a unit whose
// stderr is the journal) names the file stderr is: the documented test.
bool journal_stream_matches(const char* journal_stream, dev_t device, ino_t inode);
bool stderr_is_journal();

// Looks a facility name up ("mail", "daemon", "local0" ... "local7", "user");
// -1 if unknown.
int facility_value(std::string_view name);

using Sink = std::function<void(Level, std::string_view line)>;

// Where lines go; the default writes stderr_line() to stderr.
void set_sink(Sink sink);
void set_min_level(Level level);
Level min_level();
bool enabled(Level level);
// Opens syslog with the facility name ("mail", "local0", ...) and sends lines there.
bool use_syslog(const std::string& ident, const std::string& facility);
// stderr with journal_line() (stderr is the journal but syslog is not wanted).
void use_journal_stderr();

void write(Level level, std::string_view line);

template <class... Args>
void at(Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(level)) write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void notice(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::notice, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::warning, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}
// Formats nothing unless debug lines are wanted (they are on hot paths).
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::debug)) write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace smtpsec::log

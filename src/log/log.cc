// See log.h.
#include "log/log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace smtpsec::log {
namespace {

std::mutex mutex;  // libmilter calls from its own threads
Sink sink;
std::atomic<Level> lowest{Level::info};
std::string syslog_ident;  // openlog keeps the pointer

void put(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stderr); }

}  // namespace

std::string_view name_of(Level level) {
    static constexpr std::array<std::string_view, 5> names = {"debug", "info", "notice", "warning", "error"};
    return names[static_cast<std::size_t>(level)];
}

int syslog_priority(Level level) {
    switch (level) {
    case Level::debug: return LOG_DEBUG;
    case Level::info: return LOG_INFO;
    case Level::notice: return LOG_NOTICE;
    case Level::warning: return LOG_WARNING;
    case Level::error: return LOG_ERR;
    }
    return LOG_INFO;
}

std::string message_text(Level level, std::string_view line) {
    if (level == Level::info) return std::string(line);
    return fmt::format("{}: {}", name_of(level), line);
}

std::string stderr_line(Level level, std::string_view line, int pid) {
    return fmt::format("smtpsecd[{}]: {}: {}\n", pid, name_of(level), line);
}

std::string journal_line(Level level, std::string_view line) {
    return fmt::format("<{}>{}\n", syslog_priority(level), message_text(level, line));
}

bool journal_stream_matches(const char* journal_stream, dev_t device, ino_t inode) {
    if (!journal_stream) return false;
    unsigned long long dev = 0, ino = 0;
    char end = 0;
    // Exactly "DEV:INO" (the %c must find nothing); an overflowing number
    // only fails to match, which is the safe answer here.
    // NOLINTNEXTLINE(cert-err34-c)
    if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2) return false;
    return dev == static_cast<unsigned long long>(device) && ino == static_cast<unsigned long long>(inode);
}

bool stderr_is_journal() {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return journal_stream_matches(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

int facility_value(std::string_view name) {
    static const std::pair<std::string_view, int> facilities[] = {
        {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
        {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}, {"user", LOG_USER}};
    for (auto [n, value] : facilities)
        if (n == name) return value;
    return -1;
}

void set_sink(Sink s) {
    std::lock_guard lock(mutex);
    sink = std::move(s);
}

void set_min_level(Level level) { lowest = level; }
Level min_level() { return lowest.load(); }
bool enabled(Level level) { return level >= lowest.load(); }

bool use_syslog(const std::string& ident, const std::string& facility) {
    const int value = facility_value(facility);
    if (value < 0) return false;
    std::lock_guard lock(mutex);
    syslog_ident = ident;
    ::openlog(syslog_ident.c_str(), LOG_PID | LOG_NDELAY, value);
    sink = [](Level level, std::string_view line) {
        const std::string text = message_text(level, line);
        ::syslog(syslog_priority(level), "%s", text.c_str());
    };
    return true;
}

void use_journal_stderr() {
    std::lock_guard lock(mutex);
    sink = [](Level level, std::string_view line) { put(journal_line(level, line)); };
}

void write(Level level, std::string_view line) {
    if (!enabled(level)) return;
    std::lock_guard lock(mutex);
    if (sink)
        sink(level, line);
    else
        put(stderr_line(level, line, static_cast<int>(::getpid())));
}

}  // namespace smtpsec::log

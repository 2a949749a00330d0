// See log.h.
#include "log/log.h"

#include <syslog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>

namespace smtpsec::log {
namespace {

std::mutex mutex;  // libmilter calls from its own threads
Sink sink;
std::atomic<Level> min_level{Level::info};
std::string syslog_ident;  // openlog keeps the pointer

void to_stderr(Level level, std::string_view line) {
    std::fprintf(stderr, "smtpsecd[%d]: %.*s: %.*s\n", static_cast<int>(::getpid()),
                 static_cast<int>(name_of(level).size()), name_of(level).data(),
                 static_cast<int>(line.size()), line.data());
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

}  // namespace

std::string_view name_of(Level level) {
    static constexpr std::array<std::string_view, 5> names = {"debug", "info", "notice", "warning", "error"};
    return names[static_cast<std::size_t>(level)];
}

void set_sink(Sink s) {
    std::lock_guard lock(mutex);
    sink = std::move(s);
}

void set_min_level(Level level) { min_level = level; }

bool use_syslog(const std::string& ident, const std::string& facility) {
    static const std::pair<const char*, int> facilities[] = {
        {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
        {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}, {"user", LOG_USER}};
    for (auto [name, value] : facilities) {
        if (facility != name) continue;
        std::lock_guard lock(mutex);
        syslog_ident = ident;
        ::openlog(syslog_ident.c_str(), LOG_PID | LOG_NDELAY, value);
        sink = [](Level level, std::string_view line) {
            ::syslog(syslog_priority(level), "%.*s", static_cast<int>(line.size()), line.data());
        };
        return true;
    }
    return false;
}

void write(Level level, std::string_view line) {
    if (level < min_level.load()) return;
    std::lock_guard lock(mutex);
    if (sink)
        sink(level, line);
    else
        to_stderr(level, line);
}

}  // namespace smtpsec::log

// See commands.h.
#include "tools/queue/commands.h"

#include <fmt/core.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include <fstream>
#include <nlohmann/json.hpp>

#include "queue/dsn.h"

namespace smtpsec::tools::queue {
namespace {

using smtpsec::queue::Envelope;
using smtpsec::queue::RecipientState;
using smtpsec::queue::Spool;

// "Mon Nov 23 10:00:00" in UTC, like postqueue's arrival column.
std::string short_time(std::int64_t t) {
    auto date = smtpsec::queue::rfc5322_date(t);  // "Mon, 23 Nov 2026 10:00:00 +0000"
    return date.substr(0, 3) + " " + date.substr(8, 3) + " " + date.substr(5, 2) + " " + date.substr(17, 8);
}

std::string in_time(std::int64_t next, std::int64_t now) {
    if (next <= now) return "now";
    auto s = next - now;
    if (s < 120) return fmt::format("in {}s", s);
    if (s < 7200) return fmt::format("in {}m", s / 60);
    return fmt::format("in {}h{:02}m", s / 3600, (s % 3600) / 60);
}

bool apply_one(Envelope& e, Action action, std::int64_t now) {
    switch (action) {
    case Action::flush:
        for (auto& r : e.recipients)
            if (r.state == RecipientState::pending) r.next_attempt = now;
        e.notify_after = 0;
        return true;
    case Action::hold:
        if (e.held) return false;
        e.held = true;
        return true;
    case Action::release:
        if (!e.held) return false;
        e.held = false;
        return true;
    case Action::remove: return false;
    }
    return false;
}

std::string_view verb(Action action) {
    switch (action) {
    case Action::flush: return "flushed";
    case Action::remove: return "deleted";
    case Action::hold: return "held";
    case Action::release: return "released";
    }
    return "?";
}

}  // namespace

int list_text(const Spool& spool, std::ostream& out, std::int64_t now) {
    auto ids = spool.list();
    if (ids.empty()) {
        out << "Mail queue is empty\n";
        return exit_ok;
    }
    out << fmt::format("{:<23} {:>9} {:<20} {}\n", "-Queue ID-", "--Size--", "----Arrival Time----",
                       "-Sender/Recipient-------");
    std::uint64_t total = 0;
    std::size_t count = 0;
    for (const auto& id : ids) {
        auto e = spool.load(id);
        if (!e) {
            out << fmt::format("{:<23} (unreadable: {})\n\n", id, e.error());
            continue;
        }
        auto size = spool.message_size(id);
        total += size;
        ++count;
        out << fmt::format("{:<23} {:>9} {:<20} {}\n", id + (e->held ? "!" : ""), size,
                           short_time(e->arrival), e->sender.empty() ? "MAILER-DAEMON" : e->sender);
        if (!e->mta_queue_id.empty()) out << fmt::format("{:>24}MTA queue id {}\n", "", e->mta_queue_id);
        for (const auto& r : e->recipients) {
            std::string state(smtpsec::queue::name_of(r.state));
            if (r.state == RecipientState::pending)
                state += fmt::format(", attempts {}, next {}", r.attempts,
                                     e->held ? "held" : in_time(r.next_attempt, now));
            if (r.state == RecipientState::bounced)
                state += r.dsn_sent ? ", notified" : ", notification pending";
            out << fmt::format("{:>24}{} ({})\n", "", r.address, state);
            if (!r.last_error.empty() && r.state != RecipientState::delivered)
                out << fmt::format("{:>28}({})\n", "", r.last_error);
        }
        out << "\n";
    }
    out << fmt::format("-- {} Kbytes in {} Request{}.\n", (total + 1023) / 1024, count,
                       count == 1 ? "" : "s");
    return exit_ok;
}

int list_json(const Spool& spool, std::ostream& out) {
    auto all = nlohmann::json::array();
    for (const auto& id : spool.list()) {
        auto e = spool.load(id);
        if (!e) continue;
        auto j = nlohmann::json::parse(smtpsec::queue::to_json(*e));
        j["size"] = spool.message_size(id);
        all.push_back(std::move(j));
    }
    out << all.dump(2) << "\n";
    return exit_ok;
}

int apply(Spool& spool, Action action, const std::vector<std::string>& ids, std::int64_t now,
          std::ostream& out, std::ostream& err) {
    std::vector<std::string> targets = ids;
    bool all = (ids.size() == 1 && ids[0] == "ALL") || (ids.empty() && action == Action::flush);
    if (all) targets = spool.list();
    int status = exit_ok;
    std::size_t done = 0;
    for (const auto& id : targets) {
        bool found;
        if (action == Action::remove) {
            found = spool.remove(id);
        } else {
            auto r = spool.update(id, [&](Envelope& e) { return apply_one(e, action, now); });
            found = r.has_value();
            if (!r && !r.error().not_found()) {
                err << fmt::format("smtpsec-queue: {}: {}\n", id, r.error());
                status = exit_not_found;
                continue;
            }
        }
        if (!found) {
            if (!all) {
                err << fmt::format("smtpsec-queue: {}: no such queue entry\n", id);
                status = exit_not_found;
            }
            continue;
        }
        ++done;
    }
    out << fmt::format("smtpsec-queue: {} {} entr{}\n", verb(action), done, done == 1 ? "y" : "ies");
    return status;
}

SignalResult signal_daemon(const std::string& pidfile) {
    SignalResult r;
    std::ifstream in(pidfile);
    if (!(in >> r.pid) || r.pid <= 1) return r;
    if (::kill(static_cast<pid_t>(r.pid), SIGUSR1) == 0) {
        r.outcome = Signalled::told;
    } else if (errno != ESRCH) {  // ESRCH: a stale pid file, the daemon is gone
        r.outcome = Signalled::failed;
        r.error = std::strerror(errno);
    }
    return r;
}

int tell_daemon(const std::string& pidfile, std::ostream& err) {
    auto r = signal_daemon(pidfile);
    if (r.outcome != Signalled::failed) return exit_ok;
    err << fmt::format(
        "smtpsec-queue: the change is stored, but smtpsecd (pid {} in {}) could not be told to "
        "re-read the queue: {}; it sees the change when restarted (run this as root or as the "
        "daemon's user)\n",
        r.pid, pidfile, r.error);
    return exit_not_found;
}

}  // namespace smtpsec::tools::queue

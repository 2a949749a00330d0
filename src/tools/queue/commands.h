// The sub-commands of smtpsec-queue, as functions on a Spool so that the
// program's main() only parses arguments.
//
// Why a tool of its own: what `postqueue -p` and `postsuper` give a Postfix
// operator - see what waits and why, retry now, hold, release, delete.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "queue/spool.h"

namespace smtpsec::tools::queue {

// Exit codes (the man page lists them).
inline constexpr int exit_ok = 0;
inline constexpr int exit_not_found = 1;
inline constexpr int exit_usage = 64;

int list_text(const smtpsec::queue::Spool& spool, std::ostream& out, std::int64_t now);
int list_json(const smtpsec::queue::Spool& spool, std::ostream& out);

enum class Action { flush, remove, hold, release };

// `ids` may be {"ALL"} (every entry; for flush an empty list means all too).
// Reports each id not found on `err`; returns exit_not_found if any.
int apply(smtpsec::queue::Spool& spool, Action action, const std::vector<std::string>& ids, std::int64_t now,
          std::ostream& out, std::ostream& err);

// Sends SIGUSR1 (rescan) to the pid in `pidfile`.
enum class Signalled { told, not_running, failed };
struct SignalResult {
    Signalled outcome = Signalled::not_running;
    long pid = 0;
    std::string error;  // when failed
};
SignalResult signal_daemon(const std::string& pidfile);

// After a change: tells the daemon, and says on `err` when it could not be
// told (the change is stored; the daemon sees it at its next start or
// rescan). Returns exit_ok, or exit_not_found when the daemon runs but could
// not be told.
int tell_daemon(const std::string& pidfile, std::ostream& err);

}  // namespace smtpsec::tools::queue

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

// Sends SIGUSR1 (rescan) to the pid in `pidfile`; silently nothing if the
// file is missing or the process is gone.
void signal_daemon(const std::string& pidfile);

}  // namespace smtpsec::tools::queue

// Monitor mode and the milter's counters: what an operator sees of the
// milter's decisions in smtpsec-ctl stats and the metrics (issue 18).
//
// Why pure functions beside decide(): monitor mode must decide exactly as
// enforce mode does (otherwise a week of monitoring predicts nothing), so it
// takes decide()'s result and only turns its actions into log lines: the
// MTA gets "continue" with every recipient, the would-be action is logged
// ("monitor mode: would take over ...") and counted.
#pragma once

#include "milter/decision.h"

namespace smtpsec::milter {

// What the MTA is told in monitor mode, given what enforce mode decided:
// proceed with nothing taken; the log says what enforce mode would do.
Decision monitor_decision(const Decision& enforced);

// Counts one message's outcome (metrics/metrics.h). `given` is the answer
// sent to the MTA; `enforced` what decide() said (the same object in
// enforce mode); settings.mode says which. `queue_failed`: the take-over failed and the mail stayed
// with the MTA by on_queue_error = accept.
void count_outcome(const MessageFacts& facts, const MilterSettings& settings, const Decision& enforced,
                   const Decision& given, bool queue_failed);

}  // namespace smtpsec::milter

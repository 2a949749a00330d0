// See monitor.h.
#include "milter/monitor.h"

#include <fmt/format.h>

#include <algorithm>

#include "metrics/metrics.h"

namespace smtpsec::milter {
namespace {

bool taken(const Decision& d, std::size_t i) {
    return std::find(d.take.begin(), d.take.end(), i) != d.take.end();
}

bool acts_on_recipients(Answer a) { return a == Answer::proceed || a == Answer::discard; }

metrics::TakenOver taken_reason(const RecipientFacts& r) {
    if (r.lookup_failed) return metrics::TakenOver::discovery_failed;
    if (!r.verdict) return metrics::TakenOver::no_verdict;
    return r.verdict->verdict == DomainVerdict::smtpsec ? metrics::TakenOver::smtpsec
                                                        : metrics::TakenOver::defer;
}

metrics::LeftToSmtp left_reason(const RecipientFacts& r, const MilterSettings& settings, bool queue_failed) {
    if (!not_a_candidate(r, settings).empty()) return metrics::LeftToSmtp::not_candidate;
    if (r.lookup_failed || queue_failed) return metrics::LeftToSmtp::error_accepted;
    if (r.verdict && r.verdict->verdict == DomainVerdict::none_secure)
        return metrics::LeftToSmtp::none_secure;
    if (r.verdict && r.verdict->verdict == DomainVerdict::none_insecure)
        return metrics::LeftToSmtp::none_insecure;
    // A domain with SMTPsec (or not known yet) left to the MTA: decide()
    // does that only when the message cannot be signed.
    return metrics::LeftToSmtp::cannot_sign;
}

metrics::MilterAnswer answer_metric(Answer a) {
    switch (a) {
    case Answer::proceed: return metrics::MilterAnswer::proceed;
    case Answer::discard: return metrics::MilterAnswer::discard;
    case Answer::reject: return metrics::MilterAnswer::reject;
    case Answer::tempfail: return metrics::MilterAnswer::tempfail;
    }
    return metrics::MilterAnswer::proceed;
}

}  // namespace

Decision monitor_decision(const Decision& enforced) {
    Decision m;  // proceed, nothing taken, no reply code
    m.log = enforced.log;
    // The recipients' own lines say "taken: WHY": rewritten to what happens.
    for (const auto& [index, why] : enforced.taken_lines) {
        std::string& line = m.log[index];
        const auto cut = line.find(" taken: ");
        const std::string to = cut == std::string::npos ? line : line.substr(0, cut);
        line = fmt::format("monitor mode: would take over {} ({}); the MTA delivers it by SMTP", to, why);
    }
    if (enforced.answer == Answer::reject || enforced.answer == Answer::tempfail)
        m.log.push_back(
            fmt::format("monitor mode: would {} the message with {} {} {}; the MTA delivers it by SMTP",
                        enforced.answer == Answer::reject ? "refuse" : "hold", enforced.code, enforced.xcode,
                        enforced.text));
    return m;
}

void count_outcome(const MessageFacts& facts, const MilterSettings& settings, const Decision& enforced,
                   const Decision& given, bool queue_failed) {
    const bool monitor = settings.mode == Mode::monitor;
    metrics::count(answer_metric(given.answer));
    if (monitor) {
        if (enforced.answer == Answer::reject) metrics::count(metrics::MonitorWould::refuse);
        if (enforced.answer == Answer::tempfail) metrics::count(metrics::MonitorWould::hold);
        if (acts_on_recipients(enforced.answer))
            metrics::count(metrics::MonitorWould::take_over, enforced.take.size());
    }
    if (!acts_on_recipients(given.answer)) return;
    for (std::size_t i = 0; i < facts.recipients.size(); ++i) {
        const auto& r = facts.recipients[i];
        if (taken(given, i))
            metrics::count(taken_reason(r));
        else if (!(monitor && taken(enforced, i)))
            metrics::count(left_reason(r, settings, queue_failed));
    }
}

}  // namespace smtpsec::milter

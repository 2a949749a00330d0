// See decision.h.
#include "milter/decision.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "wire/ascii.h"

namespace smtpsec::milter {
namespace {

Decision answer(Answer kind, std::string code, std::string xcode, std::string text, std::string log) {
    Decision d;
    d.answer = kind;
    d.code = std::move(code);
    d.xcode = std::move(xcode);
    d.text = std::move(text);
    d.log.push_back(std::move(log));
    return d;
}

Decision policy_reject(std::string text) {
    std::string log = "rejected: " + text;
    return answer(Answer::reject, "550", "5.7.1", std::move(text), std::move(log));
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

bool candidate(const RecipientFacts& r, const MilterSettings& settings) {
    return not_a_candidate(r, settings).empty();
}

// The sender policy; nullopt when the message may go on.
std::optional<Decision> check_sender(const MessageFacts& facts, const MilterSettings& settings) {
    if (!settings.sender_policy) return std::nullopt;
    const SenderPolicy& policy = *settings.sender_policy;
    if (facts.login.empty()) {
        if (settings.unauthenticated == UnauthenticatedRule::allow) return std::nullopt;
        bool outgoing = std::any_of(facts.recipients.begin(), facts.recipients.end(),
                                    [&](const RecipientFacts& r) { return candidate(r, settings); });
        if (!outgoing) return std::nullopt;  // mail for local domains is left alone
        return policy_reject("Authentication required to send mail to other domains");
    }
    if (policy.find_login(facts.login).empty())
        return policy_reject(fmt::format("Login {} may not send mail", facts.login));
    if (!facts.sender.empty() && !policy.may_use(facts.login, facts.sender))
        return policy_reject(
            fmt::format("Login {} may not use sender address <{}>", facts.login, facts.sender));
    if (!facts.from.single_mailbox)
        return policy_reject(
            fmt::format("From must hold exactly one address of yours ({})", facts.from.problem));
    if (!policy.may_use(facts.login, facts.from.address))
        return policy_reject(
            fmt::format("Login {} may not use From address {}", facts.login, facts.from.address));
    return std::nullopt;
}

std::string joined(const std::set<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// `what` goes to the log only; the client learns no more than `client`.
Decision failure(FailureAction action, bool require_security, const std::string& what,
                 const std::string& client, std::string temp_xcode, std::string perm_xcode) {
    if (action == FailureAction::accept && !require_security) {
        Decision d;
        d.log.push_back(what + "; left to the MTA (on-error action accept)");
        return d;
    }
    if (action == FailureAction::reject)
        return answer(Answer::reject, "550", std::move(perm_xcode), client, "rejected: " + what);
    return answer(Answer::tempfail, "451", std::move(temp_xcode), client + ", try again later",
                  "tempfail: " + what);
}

}  // namespace

std::string_view name_of(Answer a) {
    switch (a) {
    case Answer::proceed: return "continue";
    case Answer::discard: return "discard";
    case Answer::reject: return "reject";
    case Answer::tempfail: return "tempfail";
    }
    return "continue";
}

bool domain_listed(const std::vector<std::string>& list, std::string_view domain) {
    std::string name(domain);
    wire::ascii_lower_in_place(name);
    if (!name.empty() && name.back() == '.') name.pop_back();
    for (const auto& entry : list) {
        if (entry.empty()) continue;
        if (entry.front() != '.') {
            if (entry == name) return true;
        } else if (name.size() > entry.size() && name.ends_with(entry)) {
            return true;
        }
    }
    return false;
}

std::string not_a_candidate(const RecipientFacts& r, const MilterSettings& settings) {
    if (r.domain.empty()) return "no domain";
    if (!r.mailer.empty() && !listed(settings.takeover_mailers, r.mailer))
        return fmt::format("mailer {}", r.mailer);
    if (r.mailer.empty() && settings.signing_domains.count(r.domain))
        return "no {rcpt_mailer}, and a domain of ours";
    if (domain_listed(settings.never_takeover_domains, r.domain)) return "never-takeover domain";
    return {};
}

Decision decide(const MessageFacts& facts, const MilterSettings& settings) {
    if (auto refused = check_sender(facts, settings)) return *refused;

    Decision d;
    std::set<std::string> without_smtpsec;  // domains that would get plain SMTP
    std::set<std::string> failed_lookups;
    // The lines of recipients to be taken: written once it is known that the
    // message can be signed, so that no line says "taken" for mail that then
    // stays with the MTA.
    struct TakeNote {
        std::size_t line;  // index into d.log
        std::string why;   // "smtpsec (...)", "no discovery verdict in time, queued for retry"
    };
    std::vector<TakeNote> take_notes;
    // `how` ends each such line: "taken: ", "left to the MTA: ...", or only
    // the discovery result when the whole message is refused or deferred
    // (its own line then says so).
    auto finish_notes = [&](const std::function<std::string(const std::string&)>& how) {
        for (const auto& n : take_notes) d.log[n.line] += how(n.why);
    };
    auto discovery_only = [](const std::string& why) { return "SMTPsec discovery: " + why; };
    for (std::size_t i = 0; i < facts.recipients.size(); ++i) {
        const RecipientFacts& r = facts.recipients[i];
        auto note = [&](std::string_view what) {
            d.log.push_back(fmt::format("to=<{}> {}", r.address, what));
        };
        if (std::string why = not_a_candidate(r, settings); !why.empty()) {
            note("left to the MTA: " + why);
            // Mail that leaves by SMTP (not local delivery) counts against
            // a Require-SMTPsec request.
            if (why == "never-takeover domain") without_smtpsec.insert(r.domain);
            continue;
        }
        if (r.lookup_failed && settings.on_dns_error != FailureAction::accept) {
            failed_lookups.insert(r.domain);
            continue;
        }
        auto take = [&](std::string why) {
            take_notes.push_back({d.log.size(), std::move(why)});
            note("");
            d.take.push_back(i);
        };
        if (r.lookup_failed) {
            take("discovery could not start, queued for retry");
        } else if (!r.verdict) {
            take("no discovery verdict in time, queued for retry");
        } else if (r.verdict->verdict == DomainVerdict::smtpsec ||
                   r.verdict->verdict == DomainVerdict::defer) {
            take(fmt::format("{} ({})", name_of(r.verdict->verdict), r.verdict->reason));
        } else if (facts.require_security && facts.tls_suffices) {
            // require_security = 0 (docs/decisions.md point 19): the MTA would send
            // it by SMTP with whatever TLS it finds; our queue hands it back
            // on the secure hand-back port instead, whose transport
            // delivers only over verified TLS (docs/protocol.md).
            take(fmt::format("{} ({}), to leave by SMTP over verified TLS only", name_of(r.verdict->verdict),
                             r.verdict->reason));
        } else {
            note(fmt::format("left to the MTA: {} ({})", name_of(r.verdict->verdict), r.verdict->reason));
            without_smtpsec.insert(r.domain);
        }
    }
    if (!failed_lookups.empty()) {
        finish_notes(discovery_only);
        std::string what = "SMTPsec discovery unavailable for " + joined(failed_lookups);
        auto f = failure(settings.on_dns_error, facts.require_security, what, what, "4.4.3", "5.4.3");
        f.log.insert(f.log.begin(), d.log.begin(), d.log.end());
        return f;
    }

    std::string signing_problem;
    if (!facts.from.single_mailbox)
        signing_problem = facts.from.problem;
    else if (!settings.signing_domains.count(facts.from.domain))
        signing_problem = "no signing identity for " + facts.from.domain;

    if (facts.require_security) {
        std::string text;
        if (!without_smtpsec.empty())
            text = "SMTPsec required but not available for " + joined(without_smtpsec);
        else if (!d.take.empty() && !signing_problem.empty())
            text = "SMTPsec required but the message cannot be signed: " + signing_problem;
        if (!text.empty()) {
            finish_notes(discovery_only);
            Decision r = answer(Answer::reject, "550", "5.7.30", text,
                                fmt::format("rejected ({}): {}", facts.require_reason, text));
            r.log.insert(r.log.begin(), d.log.begin(), d.log.end());
            return r;
        }
    }
    if (!d.take.empty() && !signing_problem.empty()) {
        finish_notes([&](const std::string& why) {
            return fmt::format("left to the MTA: cannot sign: {} (SMTPsec discovery: {})", signing_problem,
                               why);
        });
        d.take.clear();
        return d;
    }
    finish_notes([](const std::string& why) { return "taken: " + why; });
    for (const auto& n : take_notes) d.taken_lines.emplace_back(n.line, n.why);
    if (!d.take.empty()) {
        d.from_domain = facts.from.domain;
        if (d.take.size() == facts.recipients.size()) d.answer = Answer::discard;
    }
    return d;
}

Decision queue_failure(const MessageFacts& facts, const MilterSettings& settings, const std::string& reason,
                       const Decision* attempted) {
    Decision f = failure(settings.on_queue_error, facts.require_security, "queue error: " + reason,
                         "Local problem storing the message", "4.3.0", "5.3.0");
    if (!attempted) return f;
    std::vector<std::string> lines = attempted->log;
    for (const auto& [index, why] : attempted->taken_lines) {
        const auto cut = lines[index].find("taken: ");
        if (cut != std::string::npos)
            lines[index] = lines[index].substr(0, cut) +
                           "not taken, the queue failed (SMTPsec discovery: " + why + ")";
    }
    f.log.insert(f.log.begin(), lines.begin(), lines.end());
    return f;
}

Decision internal_failure(const MilterSettings& settings, const std::string& reason) {
    return failure(settings.on_internal_error, false, "internal error: " + reason,
                   "Local error in the SMTPsec filter", "4.3.0", "5.3.0");
}

}  // namespace smtpsec::milter

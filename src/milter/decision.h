// The end-of-message decision, as a pure function.
//
// Why pure: this is where mail is split between SMTPsec and plain SMTP, where
// senders are refused and where "require SMTPsec" is enforced. Every branch
// is tested without libmilter, threads or an MTA.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "milter/settings.h"
#include "milter/verdict_source.h"

namespace smtpsec::milter {

struct RecipientFacts {
    std::string as_given;
    std::string address;
    std::string domain;  // lowercase
    std::string mailer;  // {rcpt_mailer}; "" if the MTA did not say
    // nullopt: no verdict by the deadline (counts as defer).
    std::optional<VerdictResult> verdict;
    bool lookup_failed = false;  // the VerdictSource could not start it
};

struct FromFacts {
    bool single_mailbox = false;
    std::string address;  // when single_mailbox
    std::string domain;   // lowercase, when single_mailbox
    std::string problem;  // why not, e.g. "From has 2 mailboxes"
};

struct MessageFacts {
    std::string sender;  // bare; "" null sender
    std::string login;   // normalised; "" unauthenticated
    FromFacts from;
    bool require_security = false;
    bool tls_suffices = false;   // require_security = 0 (REQUIRETLS): SMTP over verified TLS is enough
    std::string require_reason;  // "MAIL parameter", "header", "listener X", "sender policy"
    std::vector<RecipientFacts> recipients;
};

enum class Answer { proceed, discard, reject, tempfail };

std::string_view name_of(Answer answer);

struct Decision {
    Answer answer = Answer::proceed;
    std::string code;               // "550"; reject/tempfail only
    std::string xcode;              // "5.7.1"
    std::string text;               // for the client
    std::vector<std::size_t> take;  // indices into recipients, to queue and delrcpt
    std::string from_domain;        // the signing domain when take is not empty
    std::vector<std::string> log;   // one line each, without ids
    // Per taken recipient: its line in `log` and the discovery result that
    // made it taken, so that a failed take-over can say "not taken" instead.
    std::vector<std::pair<std::size_t, std::string>> taken_lines;
};

// Why a recipient is no candidate for SMTPsec ("mailer local", ...), or ""
// when it is one. Postfix gives no {rcpt_mailer} for mail that did not come
// through smtpd (the sendmail command, non_smtpd_milters): then a recipient
// is a candidate unless its domain is one we sign for (ours, so local).
std::string not_a_candidate(const RecipientFacts& r, const MilterSettings& settings);

// What happens with a message. `take` is empty unless answer is proceed or
// discard; discard means every recipient is taken.
Decision decide(const MessageFacts& facts, const MilterSettings& settings);

// The answer to a failed take-over (the queue could not store the mail).
// With `attempted` (the decision whose take-over failed), its lines come
// first, the "taken" ones turned into what happened instead.
Decision queue_failure(const MessageFacts& facts, const MilterSettings& settings, const std::string& reason,
                       const Decision* attempted = nullptr);

// The answer to an internal error (an exception in a callback).
Decision internal_failure(const MilterSettings& settings, const std::string& reason);

}  // namespace smtpsec::milter

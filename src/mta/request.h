// What the SMTP client to the local MTA is asked to hand over, and what it
// reports back: one Outcome enum, for the message and for each recipient.
//
// Why one enum: the listener (answering an SMTPsec peer) and the queue
// (hand-back to SMTP, DSNs) decide on these results; they switch on
// `outcome` and `step` and never read `reason`, which is only for the log.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec::mta {

struct Request {
    std::string mail_from;                // bare addr-spec, "" for the null sender
    std::vector<std::string> recipients;  // bare addr-specs
    std::vector<Bytes> message;           // pieces; concatenated: the message, CRLF, not dot-stuffed
};

enum class Outcome {
    delivered,  // the MTA answered 250 to the final dot (a recipient: and had accepted it)
    refused,    // refused permanently (5xx, or something SMTP cannot carry): retrying will not help
    deferred,   // nothing was delivered; worth retrying (4xx, timeouts, the connection)
};

// Which step of the exchange decided a message's outcome.
enum class Step {
    request,     // nothing was sent: no recipient, an unusable address, SMTPUTF8 not offered
    connection,  // connecting, the greeting, EHLO, a timeout or a lost connection
    mail,        // the reply to MAIL FROM
    recipients,  // the replies to RCPT TO (a 4xx, or every one a 5xx)
    data,        // the reply to DATA
    final_dot,   // the reply to the final dot
};

std::string_view name_of(Outcome outcome);
std::string_view name_of(Step step);

struct RecipientResult {
    std::string address;
    Outcome outcome = Outcome::deferred;
    int code = 0;      // the SMTP reply code that decided it (0: none, e.g. connection lost)
    std::string text;  // that reply ("550 5.1.1 ..."), or our reason
};

struct Result {
    Outcome outcome = Outcome::deferred;
    Step step = Step::request;
    std::string reason;                       // for the log only
    std::vector<RecipientResult> recipients;  // in request order, one per requested recipient

    // MAIL was accepted and every recipient was refused permanently: the
    // precise answer is "these recipients are unknown", not "the message was refused".
    bool every_recipient_refused() const { return outcome == Outcome::refused && step == Step::recipients; }
};

}  // namespace smtpsec::mta

// Everything the milter is told by its owner (the daemon maps its config
// section [milter] onto this; src/milter knows nothing of the config file).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "milter/forwarded.h"
#include "milter/sender_policy.h"

namespace smtpsec::milter {

// OpenDKIM's On-* reactions.
//   tempfail: 4xx, the MTA keeps the mail and the client retries.
//   reject:   5xx.
//   accept:   the mail goes on without us (no take-over; left to SMTP).
// A message that requires SMTPsec is never accepted that way: tempfail.
enum class FailureAction { tempfail, accept, reject };
// Mail without a login when a sender policy exists.
enum class UnauthenticatedRule { allow, reject };
// enforce: the milter acts on its decisions. monitor (a rollout, like DMARC
// p=none or MTA-STS testing): it decides as usual, logs and counts what it
// would have done, and lets the MTA deliver everything by SMTP (monitor.h).
enum class Mode { enforce, monitor };

struct MilterSettings {
    Mode mode = Mode::enforce;
    // smfi_setconn syntax: "local:/path", "inet:PORT@HOST", "inet6:PORT@HOST".
    std::string socket = "local:/run/smtpsecd/milter.sock";
    unsigned socket_mode = 0660;  // of a local socket
    std::string socket_group;     // of a local socket; "" leaves it alone

    // Domains this gateway holds a signing identity for (lowercase).
    std::set<std::string> signing_domains;
    // {rcpt_mailer} values whose recipients may be taken over.
    std::vector<std::string> takeover_mailers = {"smtp", "relay", "esmtp"};
    // "a.test" that domain, ".a.test" its subdomains; lowercase.
    std::vector<std::string> never_takeover_domains;

    // Our authserv-id ([listener] authserv_id): an Authentication-Results
    // field carrying it can only be forged upstream and is removed from every
    // message (RFC 8601 section 5); "" removes none.
    std::string authserv_id;

    // Header asking for SMTPsec-only delivery (value "yes"); "" disables it.
    std::string require_smtpsec_header = "Require-SMTPsec";
    // {daemon_name} values of listeners whose mail always requires SMTPsec.
    std::vector<std::string> require_smtpsec_daemons;
    // Envelope senders ("a@b") or sender domains ("@b") whose mail requires SMTPsec.
    std::vector<std::string> require_smtpsec_senders;

    // The forward service (docs/forwarding.md): its {daemon_name}
    // (Postfix milter_macro_daemon_name), and where markers are checked.
    // A marker is believed on that service only; "" or no lookup: never.
    std::string forward_daemon;
    std::shared_ptr<const ForwardLookup> forward;

    UnauthenticatedRule unauthenticated = UnauthenticatedRule::allow;
    std::shared_ptr<const SenderPolicy> sender_policy;  // nullptr: none

    FailureAction on_internal_error = FailureAction::tempfail;
    FailureAction on_queue_error = FailureAction::tempfail;
    FailureAction on_dns_error = FailureAction::tempfail;

    std::chrono::seconds timeout{7210};             // smfi_settimeout
    std::chrono::milliseconds verdict_wait{20000};  // at end-of-message
};

// Whether `domain` matches a never_takeover_domains-style list.
bool domain_listed(const std::vector<std::string>& list, std::string_view domain);

}  // namespace smtpsec::milter

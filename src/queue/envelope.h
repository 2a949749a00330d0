// What the spool keeps beside each message: the envelope and the state of
// every recipient, stored as JSON in ID.env.
//
// Why JSON: an operator reads it with any tool when something goes wrong,
// and smtpsec-queue edits it; the format carries a version for later changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/expected.h"

namespace smtpsec::queue {

enum class RecipientState {
    pending,      // still to be attempted
    delivered,    // accepted by the SMTPsec peer
    bounced,      // failed for good (or expired); see dsn_sent
    handed_back,  // given back to the MTA to send by SMTP
};

std::string_view name_of(RecipientState state);
std::optional<RecipientState> recipient_state_from(std::string_view name);

struct Recipient {
    std::string as_given;  // as the MTA gave it, e.g. "<bob@b.test>"
    std::string address;   // bare addr-spec
    std::string domain;
    RecipientState state = RecipientState::pending;
    std::uint32_t attempts = 0;
    std::int64_t next_attempt = 0;  // unix seconds
    std::string last_error;
    std::string last_server;
    // Set when bounced: the RFC 3464 Status and Diagnostic-Code of its DSN.
    std::string status_code;      // "5.1.1"
    std::string diagnostic_type;  // "smtp" or "x-smtpsec"
    bool dsn_sent = false;        // the failure report was submitted (or not owed)
};

// A forwarded copy of an Email received over SMTPsec (docs/forwarding.md).
enum class ForwardKind {
    none,           // our own users' mail: signed with our key
    presigned,      // the .msg is the origin's signed bytes: sent with its signature
    unsigned_copy,  // changed at this site: never signed; SMTP (6.4.5 form) or a DSN
};
std::string_view name_of(ForwardKind kind);

// What a presigned entry is sent with (hex keeps the envelope plain JSON).
struct ForwardSignature {
    std::uint16_t algorithm = 0;  // SignatureAlgorithm on the wire
    std::string signature_hex;
    std::vector<std::string> chain_hex;  // DER, leaf first
    // Trace headers of the forwarded Email, newest first (point 14): the hops
    // at this site, then the origin's.
    std::vector<std::pair<std::string, std::string>> trace_headers;
};

struct Envelope {
    static constexpr int current_version = 1;
    int version = current_version;
    std::string id;
    std::string mta_queue_id;
    std::string sender;        // bare addr-spec; "" is the null sender
    std::string from_domain;   // the signing domain
    std::int64_t arrival = 0;  // unix seconds
    bool require_security = false;
    // With require_security: its value is 0 (SMTP over verified TLS is enough,
    // queue/way_out.h); false: 1, only SMTPsec.
    bool tls_suffices = false;
    bool held = false;
    bool delay_warned = false;
    std::int64_t notify_after = 0;  // a failed DSN submission is retried from then
    std::vector<Recipient> recipients;
    ForwardKind forward = ForwardKind::none;
    ForwardSignature forward_signature;  // with ForwardKind::presigned

    bool has_pending() const;
    // A bounced recipient whose DSN is still owed.
    bool owes_dsn() const;
    // Nothing left to do: the entry can be removed.
    bool finished() const { return !has_pending() && !owes_dsn(); }
};

std::string to_json(const Envelope& envelope);
Expected<Envelope, std::string> envelope_from_json(std::string_view text);

}  // namespace smtpsec::queue

// What the outbound side is asked to deliver, and what it reports back per
// recipient. The queue (or a test) builds an OutboundEmail; the Deliverer
// answers with a DeliveryReport.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outbound/presigned.h"
#include "smtpsec/message.h"

namespace smtpsec::outbound {

struct OutboundEmail {
    std::uint64_t id = 0;
    std::string domain;                            // the recipients' domain
    std::vector<std::string> recipients;           // bare addr-spec, all in `domain`
    Bytes message;                                 // IMF as signed: SMTPsec-Used added, trace block removed
    std::vector<Header> trace_headers;             // newest first (point 14)
    std::optional<std::uint8_t> require_security;  // the extension's value, if any
    // A forwarded Email: `message` is the original signed bytes, sent with
    // this signature instead of ours (presigned.h).
    std::optional<PreSigned> presigned;
};

enum class RecipientStatus {
    delivered,
    permanent,  // bounce: the spec error says why
    temporary,  // retry later
    use_smtp,   // discovery now says no SMTPsec: hand back to SMTP (unless required)
};

std::string_view name_of(RecipientStatus status);

struct RecipientOutcome {
    std::string recipient;
    RecipientStatus status = RecipientStatus::temporary;
    std::string detail;  // the remote answer or the local reason
};

struct DeliveryReport {
    std::uint64_t id = 0;
    std::vector<RecipientOutcome> recipients;
    std::string server;                 // "mx.b.test[127.0.0.1]:4650" when one answered
    std::vector<std::string> attempts;  // why earlier targets were skipped
};

}  // namespace smtpsec::outbound

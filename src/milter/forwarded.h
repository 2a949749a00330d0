// Recognising a forwarded copy of an Email our listener received over
// SMTPsec (issue 16, docs/forwarding.md), and what it is sent with.
//
// Why: when Postfix forwards such mail (virtual_alias_maps), the copy comes
// back to the milter on the forward service carrying the marker the listener
// put on top. The marker is believed only through ForwardLookup (an HMAC with
// a secret only smtpsecd has, and a durable record of the original), and
// only on the forward service; then the original signed bytes must still be
// the end of the message as the milter saw it, byte for byte, or the copy
// was changed here (a footer, a rewriting filter) and cannot keep its
// signature.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec::milter {

inline constexpr std::string_view forward_marker_name = "SMTPsec-Forward";

// What the listener recorded about an Email it re-injected.
struct ForwardedOriginal {
    std::string from_domain;  // the authenticated From domain (lowercase)
    std::optional<std::uint8_t> require_security;
    SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519;
    Bytes signature;
    CertificateChain chain;
    // Our listener's Received first, then the Email's trace headers as received.
    std::vector<Header> trace_headers;
    std::string message;  // the signed bytes, exactly
};

class ForwardLookup {
public:
    virtual ~ForwardLookup() = default;
    // The record a marker value names, or why it is not believed (bad MAC,
    // no such record, expired). Thread-safe.
    virtual Expected<ForwardedOriginal, std::string> find(std::string_view marker) const = 0;
};

// One header field as the milter saw it: its exact bytes ("Name:value"
// CRLF, folding as CRLF) and where it is.
struct SeenField {
    std::string name;
    std::string value;  // without the single leading space, folding CRLF
    std::string bytes;  // the whole field
};

enum class ForwardMatch {
    kept,       // the original bytes end the message as seen: the signature holds
    changed,    // they do not (footer, rewriting filter)
    no_marker,  // the marker is not among the fields
};
std::string_view name_of(ForwardMatch match);

struct ForwardRecognition {
    ForwardMatch match = ForwardMatch::no_marker;
    // The Received fields above the marker (hops of this site after our
    // listener, newest first), for the forwarded Email's trace headers.
    std::vector<Header> hops;
};

// `fields` top to bottom, `marker_index` the marker's position among them,
// `body` as received. Pure.
ForwardRecognition recognise_forward(const std::vector<SeenField>& fields, std::size_t marker_index,
                                     std::string_view body, std::string_view original);

}  // namespace smtpsec::milter

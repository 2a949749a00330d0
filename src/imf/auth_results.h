// The Authentication-Results field (RFC 8601) the receiving gateway adds.
//
// Why: it tells the mailbox side what SMTPsec proved. Method `smtpsec` is not
// IANA-registered (the issue asks for it by that name); result `pass`;
// properties: `header.from=F` (the authenticated From domain, as DMARC
// reports it) and `policy.cert-name=N`, the name the signing certificate was
// accepted for (SRV target D or SRVName `_smtpsec.F`, docs/decisions.md
// point 22). RFC 8601's registered ptypes are smtp, header, body, policy and
// dns; the certificate name is neither an SMTP parameter nor a header nor body
// content, and "policy: relates to a locally-defined policy" fits the local
// acceptance rule of point 22. `cert-name` is an RFC 8601 Keyword.
//
// RFC 8601 section 5: the gateway removes any Authentication-Results field
// carrying its own authserv-id, which could only be forged upstream.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "imf/error.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

inline constexpr std::string_view auth_results_name = "Authentication-Results";

struct SmtpsecAuthResult {
    std::string authserv_id;  // ours, e.g. the gateway's host name "mx.b.test"
    std::string from_domain;  // F
    std::string cert_name;    // the name the signing certificate matched
};

// The whole field, CRLF-terminated, folded after the authserv-id:
//   Authentication-Results: mx.b.test;
//   \tsmtpsec=pass header.from=a.test policy.cert-name=mx.a.test
// Values that are not MIME tokens are written as quoted strings; a control
// character (CR, LF, NUL...) or invalid UTF-8 in any input is an error.
Expected<std::string, ImfError> format_authentication_results(const SmtpsecAuthResult& result);

// The authserv-id of an Authentication-Results field body (token or quoted
// string after optional CFWS); nullopt when it cannot be read.
std::optional<std::string> authserv_id_of(std::string_view field_value);

// True when an Authentication-Results field body must be removed before the
// message goes to our MTA: its authserv-id is ours (ASCII case-insensitive,
// and also with a final dot or in the other of A-label and U-label form, which
// a reader comparing host names would take for ours),
// or it cannot be read at all (then no one can tell whose it is; removing it
// is the safe side).
bool is_forged_auth_results(std::string_view field_value, std::string_view ours);

}  // namespace smtpsec::imf

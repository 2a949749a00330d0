// The author's mailbox for origin authentication (decisions point 22): the
// message must have exactly one From field holding exactly one mailbox, whose
// domain F is then authenticated through DNSSEC, the certificate and the
// signature.
//
// Why a hand-written parser and not GMime 3 (libgmime-3.0, evaluated): this is
// a security decision, and a lenient parser is the wrong tool for it. GMime's
// internet_address_list_parse, even with GMIME_RFC_COMPLIANCE_STRICT, reads
// "a@x;b@y" as the single mailbox a@x (b@y silently dropped), "a@x," as one
// mailbox, "<@route:a@x>" as a@x and "a" as a mailbox without a domain; each
// such case is a From that one reader shows differently from another. GMime
// would also bring GLib, GObject and gpgme into the daemon for one grammar of
// a few hundred lines. So: a strict RFC 5322 3.4 mailbox-list parser with
// RFC 6532 UTF-8, which refuses anything it is not sure of.
//
// Accepted: display names (atoms, quoted strings, obs-phrase dots, RFC 2047
// encoded words, which are atoms and are skipped, not decoded), nested
// comments, angle addresses, dot-atom or quoted-string local parts, UTF-8.
// Refused with a reason: no From, several From fields, several mailboxes, a
// group, an obsolete route, an address-literal domain, "From :", anything
// else that does not parse.
#pragma once

#include <string>
#include <string_view>

#include "imf/header_section.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

struct Mailbox {
    std::string address;        // addr-spec "local@domain", comments and folding removed
    std::string local_part;     // as written (a quoted local part keeps its quotes)
    std::string domain;         // as written
    std::string domain_lower;   // ASCII letters lowercased, for comparisons and DNS
};

enum class FromFailure {
    no_from,
    several_from_fields,
    several_mailboxes,
    group,
    unparseable,
};

struct FromError {
    FromFailure failure = FromFailure::unparseable;
    std::string reason;  // e.g. "2 From fields", "From has 2 mailboxes", "unparseable From: ..."
};

// The single author mailbox of a parsed message.
Expected<Mailbox, FromError> origin_mailbox(const ParsedMessage& message);
// Convenience: parses the message first (a malformed header section is
// `unparseable`).
Expected<Mailbox, FromError> origin_mailbox(std::string_view message);

// One From field body (raw, folding kept) holding exactly one mailbox.
Expected<Mailbox, FromError> parse_single_mailbox(std::string_view field_value);

}  // namespace smtpsec::imf

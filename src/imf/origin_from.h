// The author's mailbox for origin authentication (docs/decisions.md point 22):
// the message must have exactly one From field holding exactly one mailbox,
// whose domain F is then authenticated through DNSSEC, the certificate and the
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
//
// Also refused, because the MTA or the reader would show another From than
// the one authenticated (issue 13, decision D3; docs/protocol.md): a From
// field longer than kMaxFromFieldBytes or with more than kMaxFromTokens
// address tokens (Postfix truncates at header_size_limit and
// header_address_token_limit; ours are far below any MTA's), and an RFC 2047
// encoded word inside the address (RFC 2047 section 5 forbids it there).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "imf/header_section.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

struct Mailbox {
    std::string address;       // addr-spec "local@domain", comments and folding removed
    std::string local_part;    // as written (a quoted local part keeps its quotes)
    std::string domain;        // as written
    std::string domain_lower;  // ASCII letters lowercased, for comparisons and DNS
};

inline constexpr std::size_t kMaxFromFieldBytes = 2048;  // "From:" and the value, folding included
inline constexpr std::size_t kMaxFromTokens = 200;

enum class FromFailure {
    no_from,
    several_from_fields,
    several_mailboxes,
    group,
    unparseable,
    too_long,                 // over kMaxFromFieldBytes
    too_many_tokens,          // over kMaxFromTokens
    encoded_word_in_address,  // "=?" in the addr-spec
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

// Address tokens of a field value, counted as Postfix's tok822 parser does
// for header_address_token_limit: each atom, quoted string, comment, domain
// literal and special character is one token; white space is none.
std::size_t count_address_tokens(std::string_view field_value);

// One From field body (raw, folding kept) holding exactly one mailbox.
Expected<Mailbox, FromError> parse_single_mailbox(std::string_view field_value);

}  // namespace smtpsec::imf

// Whether an address can be written in an SMTP path (RCPT TO:<...>, and the
// `for` clause of Received) exactly as it is: RFC 5321 section 4.1.2
// Mailbox, with RFC 6531's UTF-8 in atoms, quoted strings and domains.
//
// Why: SMTPsec addresses (docs/decisions.md point 12) follow RFC 5322, whose
// quoted strings may hold folding white space, tabs and obsolete controls that
// SMTP cannot carry. A recipient such as "bob x"@b.test is fine in both and is
// re-injected as written (decision D4); one that SMTP cannot carry is refused
// as illegal_parameter rather than failing later inside the MTA conversation
// (docs/protocol.md, "Recipients").
#pragma once

#include <string_view>

namespace smtpsec::imf {

// local-part "@" domain, split at the last '@'. Local part: a Dot-string of
// atext (and UTF-8) or a Quoted-string of qtextSMTP / quoted-pairSMTP (and
// UTF-8). Domain: dot-separated labels of letters, digits, '-' and UTF-8
// (1-63 octets each), or an address literal "[...]" of printable ASCII.
bool is_smtp_mailbox(std::string_view address);

}  // namespace smtpsec::imf

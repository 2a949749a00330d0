// The message as it leaves SMTPsec into the local MTA (docs/decisions.md
// point 14, issue 4's re-injection): what the receiving gateway sends in DATA.
//
// Order, top to bottom (a decision):
//   1. our Received (this hop: from the sending gateway, by us, with SMTPSEC)
//   2. our Authentication-Results (what we proved on this hop)
//   3. the whitelisted trace headers of the Email, in list order (older hops)
//   4. the message's own header section, forged A-R removed, SMTPsec-Used kept
//   5. the body
// Why: point 14 says a server's own trace header goes first. RFC 8601 section
// 2.1 says A-R is added at the top as the mail transits and is read as a trace
// field, so that its position tells how far away the check was made; keeping
// it directly under the Received of the hop that made the check (and above
// every older hop) gives that reading. This is also where Postfix with a
// milter such as OpenDKIM puts it: under the receiving MTA's own Received,
// above the older ones. The MTA we hand the mail to prepends its own Received
// above all of this.
//
// The body is not copied: it stays a view into the Email's buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "imf/error.h"
#include "imf/trace_headers.h"
#include "smtpsec/bytes.h"
#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec::imf {

struct RestoredMessage {
    std::string head;                       // fields 1-4 above and the empty line when the message has one
    Bytes body;                             // a slice of Email.message
    std::size_t dropped_trace_headers = 0;  // not whitelisted, forged A-R, From, or unsafe to restore
    std::size_t removed_auth_results = 0;   // forged A-R removed from the message

    std::size_t size() const { return head.size() + body.size(); }
};

// `own_received` and `auth_results` are whole fields ending in CRLF (from
// format_received and format_authentication_results); either may be empty.
// Fails only when the Email's message cannot be parsed (it was, to find the
// From) or a given field does not end in CRLF.
Expected<RestoredMessage, ImfError> restore_for_smtp(const Email& email, const TraceWhitelist& whitelist,
                                                     std::string_view own_received,
                                                     std::string_view auth_results,
                                                     std::string_view authserv_id);

}  // namespace smtpsec::imf

// The receiving gateway's own Received field (RFC 5321 section 4.4) and the
// RFC 5322 date it carries.
//
// Why: leaving SMTPsec, the mail must show the hop it just made; by decisions
// docs/decisions.md point 14 the gateway's own trace header goes first. The
// "with" protocol is `SMTPSEC`: not in IANA's Mail Transmission Types registry,
// but RFC 5321's Attdl-Protocol is any Atom, and a reader needs to see that
// this hop was not ESMTP. The time is written in UTC ("+0000") so that output
// does not depend on the machine's time zone.
#pragma once

#include <chrono>
#include <string>

#include "imf/error.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

struct ReceivedInfo {
    std::string from_name;     // the sending side's name if known (SMTPsec has no HELO); may be empty
    std::string peer_address;  // the TCP peer, "192.0.2.1" or "2001:db8::1"
    std::string by_name;       // this gateway's host name
    std::string id;            // this gateway's id for the delivery (an Atom)
    std::string for_address;   // optional: the single recipient, bare addr-spec
    std::string comment;       // optional, without parentheses, e.g. "TLSv1.3"
    std::chrono::system_clock::time_point time;
};

// The whole field, folded, CRLF-terminated:
//   Received: from mx.a.test ([192.0.2.1])
//   \tby mx.b.test (TLSv1.3) with SMTPSEC id 4F2A
//   \tfor <bob@b.test>; Tue, 1 Jul 2003 10:52:37 +0000
// An unusable value (control characters, a non-numeric address, ...) is an
// error rather than something that could break the header section.
Expected<std::string, ImfError> format_received(const ReceivedInfo& info);

// RFC 5322 3.3 date-time in UTC: "Tue, 1 Jul 2003 10:52:37 +0000".
std::string rfc5322_date(std::chrono::system_clock::time_point time);

}  // namespace smtpsec::imf

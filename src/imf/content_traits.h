// Whether a message needs SMTPUTF8 or 8BITMIME on its way into an MTA.
//
// Why: the SMTP client must ask for SMTPUTF8 (RFC 6531) when a header field
// is UTF-8 and should declare BODY=8BITMIME (RFC 6152) when any byte has its
// high bit set; the message may come in several pieces (a restored head and
// a body view), so the scan works across them.
#pragma once

#include <span>

#include "smtpsec/bytes.h"

namespace smtpsec::imf {

struct ContentTraits {
    bool eight_bit_header = false;  // a byte >= 0x80 before the first empty line
    bool eight_bit_body = false;    // a byte >= 0x80 after it
};

// `pieces` concatenated form the message (CRLF line endings).
ContentTraits scan_content(std::span<const Bytes> pieces);

}  // namespace smtpsec::imf

// Trace headers travel in the Email's envelope, not in the signed message
// (docs/decisions.md points 13 and 14).
//
// Why: the sending gateway moves the Received block out of the message it
// signs, and the receiving gateway puts the whitelisted ones back when the
// mail leaves SMTPsec. The envelope is not signed, so what comes back is
// checked: a trace header that could end the header section early or smuggle
// another field is dropped, never restored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imf/error.h"
#include "imf/header_section.h"
#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec::imf {

struct TraceSplit {
    std::vector<Header> trace_headers;  // top to bottom (newest first)
    std::string message;                // the rest, byte for byte
};

// Removes the contiguous block of Received fields at the top of the header
// section (the MTAs' trace of this mail so far) and returns it as point 13
// Headers: name without colon, value without the single leading space, folding
// kept, no final CRLF. A Received field below another field stays in place.
Expected<TraceSplit, ImfError> extract_trace_headers(std::string_view message);

// That block of an already parsed message: its Headers, and the offset of the
// first byte after it (0 when there is none). extract_trace_headers and
// prepare_for_signing_in_place share it.
struct ReceivedBlock {
    std::vector<Header> trace_headers;  // top to bottom (newest first)
    std::size_t end = 0;
};
ReceivedBlock top_received_block(const ParsedMessage& parsed);

// Which trace headers are restored (docs/decisions.md point 14). Names compare
// case-insensitively.
struct TraceWhitelist {
    std::vector<std::string> names;     // exact field names
    std::vector<std::string> prefixes;  // name prefixes

    // `Received` and any name starting with `X-`.
    static TraceWhitelist defaults();
    bool allows(std::string_view name) const;
};

// A Header that can be restored without changing the header section's
// structure: a name of ftext, a value whose every CRLF is folding followed by
// non-blank text, no bare CR/LF, no NUL, valid UTF-8, no final CRLF.
bool is_restorable(const Header& header);

}  // namespace smtpsec::imf

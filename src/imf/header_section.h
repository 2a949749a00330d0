// Splits an RFC 5322 message (CRLF line endings, docs/decisions.md point 11)
// into its header fields and body, as views into the caller's buffer.
//
// Why: every content rule of the gateway (one From, trace headers,
// SMTPsec-Used, forged Authentication-Results) works on header fields with
// their exact bytes, and a 64 MiB body must not be copied to find them.
//
// Strictness (a decision): the header section must use CRLF. A bare LF or a
// bare CR, a NUL, a line without a colon, a continuation line before the first
// field, or a continuation line holding nothing but white space is malformed.
// Parsers disagree about such bytes (some see a bare LF or a white-space-only
// line as the end of the header section), and a message on which two parsers
// disagree can show a reader a From that was not the one authenticated. The
// body is opaque and never inspected. Tolerated: no empty line after the
// header section (a message without body), and a last field without its CRLF
// at the very end of the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "imf/error.h"
#include "smtpsec/expected.h"
#include "wire/ascii.h"

namespace smtpsec::imf {

struct HeaderField {
    std::string_view name;            // field name; white space before the colon excluded
    std::string_view value;           // raw field body after the colon, folding kept, no final CRLF
    std::size_t offset = 0;           // first byte of the field in the message
    std::size_t length = 0;           // the whole field, including its final CRLF when present
    bool space_before_colon = false;  // obsolete "Name :" syntax (RFC 5322 4.5)
    bool terminated = true;           // false only for a last field cut at end of input
};

struct ParsedMessage {
    std::vector<HeaderField> fields;
    std::size_t header_end = 0;   // offset just past the last field
    std::size_t body_offset = 0;  // first body byte (== size when there is no body)
    bool has_separator = false;   // the empty line between header section and body
    std::string_view body;
};

Expected<ParsedMessage, ImfError> parse_message(std::string_view message);

// ASCII case-insensitive comparison, as header field names compare.
using wire::equals_ignore_case;
using wire::starts_with_ignore_case;
// Two addr-specs name the same recipient: local parts exactly, domains
// case-insensitively (docs/decisions.md point 12). Without '@': byte equality.
bool same_address(std::string_view a, std::string_view b);
// The key under which same_address() is equality: the local part as
// written, the domain in ASCII lower case (for sets and maps of addresses).
std::string address_key(std::string_view address);

// The field body as docs/decisions.md point 13 carries it: the single space that
// conventionally follows the colon removed, nothing else changed.
std::string_view value_without_leading_space(const HeaderField& field);

}  // namespace smtpsec::imf

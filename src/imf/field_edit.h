// Copies a message with some header fields left out or one prepended.
//
// Why: removing SMTPsec-Used (point 23), the trace block (point 13/14) and
// forged Authentication-Results (RFC 8601 section 5) are the same operation
// on different fields; the body is copied once, never reparsed.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "imf/header_section.h"

namespace smtpsec::imf {

// `message` with every field for which `drop` is true left out; everything
// else byte for byte (a last field cut at end of input gets its CRLF).
std::string copy_without_fields(std::string_view message, const ParsedMessage& parsed,
                                const std::function<bool(const HeaderField&)>& drop);

// Appends one header field, restored as docs/decisions.md point 13 says:
// `name ": " value CRLF`, or `name ":" CRLF` when the value is empty.
void append_field(std::string& out, std::string_view name, std::string_view value);

}  // namespace smtpsec::imf

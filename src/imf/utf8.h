// UTF-8 well-formedness (RFC 3629), for RFC 6532 header fields.
//
// Why: a header field with invalid UTF-8 is read differently by different
// programs; fields the gateway interprets (From, Authentication-Results) are
// refused when they are not well-formed.
#pragma once

#include <string_view>

namespace smtpsec::imf {

// Strict: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);
bool is_ascii(std::string_view text);

}  // namespace smtpsec::imf

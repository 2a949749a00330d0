// Encoding and decoding of whole SMTPsec Messages (size field included).
//
// The decoder never trusts a length: every count and size is checked against
// the bytes that remain before anything is allocated, and every malformed
// Message yields the spec's ErrorCode with a reason a person can read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtpsec/bytes.h"
#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec {

// Why a Message was refused. `type` is known when the type byte was readable
// and valid; a session uses it to tell an Email (answer it, go on) from the rest.
struct DecodeError {
    ErrorCode code = ErrorCode::illegal_message;
    std::string reason;
    std::optional<MessageType> type;
};

using DecodeResult = Expected<Message, DecodeError>;

// Header constants of the framing (docs/decisions.md point 4).
inline constexpr std::size_t kSizeFieldLength = 8;
inline constexpr std::size_t kMinFrameableSize = 11;  // size + type + extension count
inline constexpr std::size_t kMinMessageSize = 12;    // a ServerHello

// Bounds on what one Message may make the decoder allocate (issue 13 items
// 4 and 6): a count on the wire costs a few bytes, a decoded element tens (a
// ClientHello of 2^24-1 empty chains, 32 MiB on the wire, was 400 MB of
// vectors). Each count is checked before anything is reserved for it; a
// Message over a bound is refused with too_large (docs/decisions.md point 18;
// D6 for a ClientHello, which then closes the connection). The defaults are
// generous for real mail: a Let's Encrypt chain is 2 or 3 certificates of about
// 1.3 to 2 KiB each.
struct DecodeLimits {
    std::uint64_t max_chains = 16;                   // ClientHello.certificate_chains
    std::uint64_t max_chain_certificates = 10;       // certificates in one chain
    std::uint64_t max_certificate_size = 64 * 1024;  // bytes of one certificate
    std::uint64_t max_chain_bytes = 256 * 1024;      // bytes of every certificate of the ClientHello
    std::uint64_t max_trace_headers = 1000;          // Email.trace_headers
    std::uint64_t max_recipients = 10000;            // Email.recipients
    // Only the structural bounds of the format itself (the fuzzers, tools).
    static DecodeLimits unbounded();
};

// Decodes one whole Message. `frame` must hold exactly the bytes of one Message
// (the framer delivers such frames); opaque fields of the result are views into it.
DecodeResult decode(const Bytes& frame, const DecodeLimits& limits = {});

// Exact encoded size, including the size field itself.
std::uint64_t encoded_size(const Message& message);

// Appends the encoding of `message` to `out` (one copy of each opaque field).
void encode_to(const Message& message, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const Message& message);

// Checks of an Email that need no session state (docs/decisions.md points 5, 9,
// 12, 18): nonzero recipients, each a UTF-8 local@domain, parameters empty,
// signature length. decode() applies it; an encoder of untrusted input may too.
std::optional<DecodeError> check_email(const Email& email);

// True if `address` is a bare UTF-8 addr-spec local@domain (docs/decisions.md
// point 12).
bool is_valid_address(std::string_view address);

}  // namespace smtpsec

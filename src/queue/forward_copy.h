// What a forwarded Email becomes where it cannot keep its signature
// (thesis 6.4.5, docs/forwarding.md): the copy handed back to the MTA for a
// recipient whose domain has no SMTPsec.
//
// Why here: the queue holds a presigned entry as the origin's signed bytes
// and its trace headers apart (they travel in the Email's envelope, points
// 13-14); SMTP has no envelope for them, so they go back on top of the
// message, and the SMTPsec-Used field goes (point 23: nothing leaving over
// plain SMTP carries it).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/envelope.h"
#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec::queue {

// Trace headers that pass the default whitelist (Received, X-*) and are safe
// to restore, on top, in list order; then `original` without SMTPsec-Used.
Expected<std::string, std::string> unsigned_forward_copy(
    std::string_view original, const std::vector<std::pair<std::string, std::string>>& trace_headers);

// The envelope's hex fields back to bytes; an error names the bad field.
struct DecodedSignature {
    SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519;
    Bytes signature;
    CertificateChain chain;
    std::vector<Header> trace_headers;
};
Expected<DecodedSignature, std::string> decode_forward_signature(const ForwardSignature& stored);

// Lowercase hex of `data` and back ("" on a bad digit or odd length, with ok false).
std::string hex_of(std::span<const std::uint8_t> data);
bool bytes_of_hex(std::string_view hex, std::vector<std::uint8_t>& out);

}  // namespace smtpsec::queue

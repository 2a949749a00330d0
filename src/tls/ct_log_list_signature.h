// The signature over a published CT log list (issue 18 point 3).
//
// Why: the log list decides which CT logs' SCTs authenticate a peer
// (docs/decisions.md point 21), so whoever can replace it can make any certificate
// pass the CT check. Its publishers sign it: Google publishes log_list.sig
// beside log_list.json, an RSA (PKCS #1 v1.5) signature with SHA-256 over the
// file's exact bytes, and the public key to check it with
// (log_list_pubkey.pem); the package ships that key, so a list fetched over
// a network is believed only when this check passes. An ECDSA key works the
// same way (SHA-256, DER signature), for a publisher that uses one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smtpsec::tls {

enum class ListSignatureError {
    bad_key,        // the key text is not a PEM public key (RSA or EC)
    bad_signature,  // the signature does not verify: the list was altered, or another key signed it
};

struct ListSignatureProblem {
    ListSignatureError error;
    std::string reason;
};

// Nothing when `signature` is `public_key_pem`'s signature (SHA-256) over `data`.
std::optional<ListSignatureProblem> list_signature_problem(std::span<const std::uint8_t> data,
                                                           std::span<const std::uint8_t> signature,
                                                           std::string_view public_key_pem);

}  // namespace smtpsec::tls

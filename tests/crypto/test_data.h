// Inputs shared by the crypto tests: the algorithm list and sample messages.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/message.h"

namespace smtpsec::testing {

inline constexpr std::array all_algorithms{
    SignatureAlgorithm::ed25519,
    SignatureAlgorithm::ed448,
    SignatureAlgorithm::ecdsa_secp256r1_sha256,
    SignatureAlgorithm::ecdsa_secp384r1_sha384,
    SignatureAlgorithm::ecdsa_secp521r1_sha512,
};

// An IMF message with CRLF line endings, as SMTPsec signs it, about `body_lines` lines long.
inline std::vector<std::uint8_t> sample_message(std::size_t body_lines = 20) {
    std::string text =
        "SMTPsec-Used:\r\n"
        "From: Alice <alice@a.test>\r\n"
        "To: bob@b.test\r\n"
        "Subject: crypto layer test\r\n"
        "\r\n";
    for (std::size_t i = 0; i < body_lines; ++i)
        text += "line " + std::to_string(i) + " of a message body\r\n";
    return {text.begin(), text.end()};
}

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace smtpsec::testing

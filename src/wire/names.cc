// Names and fixed sizes of the protocol's enums, in one table each, so the
// decoder, the JSON dump and the logs all say the same thing.
#include <array>

#include "smtpsec/message.h"

namespace smtpsec {

namespace {
constexpr std::array<std::string_view, 5> kMessageTypeNames = {"error", "server_hello", "client_hello",
                                                               "email", "email_delivered"};
constexpr std::array<std::string_view, 8> kErrorCodeNames = {
    "internal_error", "service_unavailable",   "illegal_message",       "illegal_parameter",
    "too_large",      "authentication_failed", "insufficient_security", "unknown_address"};

struct AlgorithmInfo {
    SignatureAlgorithm algorithm;
    std::string_view name;
    std::size_t signature_length;  // docs/decisions.md point 7
};
constexpr std::array<AlgorithmInfo, 5> kAlgorithms = {{
    {SignatureAlgorithm::ecdsa_secp256r1_sha256, "ecdsa_secp256r1_sha256", 64},
    {SignatureAlgorithm::ecdsa_secp384r1_sha384, "ecdsa_secp384r1_sha384", 96},
    {SignatureAlgorithm::ecdsa_secp521r1_sha512, "ecdsa_secp521r1_sha512", 132},
    {SignatureAlgorithm::ed25519, "ed25519", 64},
    {SignatureAlgorithm::ed448, "ed448", 114},
}};

const AlgorithmInfo* find(SignatureAlgorithm algorithm) {
    for (const auto& info : kAlgorithms)
        if (info.algorithm == algorithm) return &info;
    return nullptr;
}
}  // namespace

std::string_view name_of(MessageType type) {
    auto i = static_cast<std::size_t>(type);
    return i < kMessageTypeNames.size() ? kMessageTypeNames[i] : "unknown";
}

std::string_view name_of(ErrorCode code) {
    auto i = static_cast<std::size_t>(code);
    return i < kErrorCodeNames.size() ? kErrorCodeNames[i] : "unknown";
}

std::string_view name_of(SignatureAlgorithm algorithm) {
    const auto* info = find(algorithm);
    return info ? info->name : "unknown";
}

std::optional<SignatureAlgorithm> signature_algorithm_from_wire(std::uint16_t value) {
    const auto* info = find(static_cast<SignatureAlgorithm>(value));
    if (!info) return std::nullopt;
    return info->algorithm;
}

std::size_t signature_length(SignatureAlgorithm algorithm) {
    const auto* info = find(algorithm);
    return info ? info->signature_length : 0;
}

std::optional<std::uint8_t> require_security(const Message& message) {
    for (const auto& ext : message.extensions)
        if (ext.type == static_cast<std::uint8_t>(ExtensionType::require_security) && ext.data.size() == 1)
            return ext.data[0];
    return std::nullopt;
}

}  // namespace smtpsec

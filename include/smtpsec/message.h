// The SMTPsec v0 Messages of the thesis's appendix B, as C++ values.
//
// Field names follow appendix B so that code, JSON output and the spec read alike.
// Widths and encodings are pinned by docs/decisions.md (points 1-10) and
// docs/protocol.md; this header only says what each field holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec {

enum class MessageType : std::uint8_t {
    error = 0,
    server_hello = 1,
    client_hello = 2,
    email = 3,
    email_delivered = 4,
};

// Maps 1:1 to the spec's ErrorCode; used as the error value at every protocol
// boundary in this project.
enum class ErrorCode : std::uint8_t {
    internal_error = 0,
    service_unavailable = 1,
    illegal_message = 2,
    illegal_parameter = 3,
    too_large = 4,
    authentication_failed = 5,
    insufficient_security = 6,
    unknown_address = 7,
};

enum class ExtensionType : std::uint8_t {
    require_security = 0,
};

enum class SignatureAlgorithm : std::uint16_t {
    ecdsa_secp256r1_sha256 = 0x0403,
    ecdsa_secp384r1_sha384 = 0x0503,
    ecdsa_secp521r1_sha512 = 0x0603,
    ed25519 = 0x0807,
    ed448 = 0x0808,
};

// Kept as a raw type byte so unknown extensions survive a decode/encode round trip.
struct Extension {
    std::uint8_t type = 0;
    Bytes data;
    friend bool operator==(const Extension&, const Extension&) = default;
};

struct ServerHello {
    std::uint8_t version = 0;
    friend bool operator==(const ServerHello&, const ServerHello&) = default;
};

using Certificate = Bytes;                          // DER
using CertificateChain = std::vector<Certificate>;  // leaf first

struct ClientHello {
    std::uint8_t version = 0;
    std::vector<CertificateChain> certificate_chains;
    friend bool operator==(const ClientHello&, const ClientHello&) = default;
};

struct SignatureMethod {
    SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519;
    Bytes parameters;
    friend bool operator==(const SignatureMethod&, const SignatureMethod&) = default;
};

struct Header {
    std::string name;   // without the colon
    std::string value;  // without the space after the colon, no final CRLF
    friend bool operator==(const Header&, const Header&) = default;
};

struct Email {
    std::uint32_t certificate_chain = 0;  // uint24 on the wire
    SignatureMethod signature_method;
    Bytes signature;  // exactly signature_length(algorithm) bytes
    std::vector<Header> trace_headers;
    std::vector<std::string> recipients;  // bare addr-spec local@domain
    Bytes message;                        // IMF with CRLF, the signed bytes
    friend bool operator==(const Email&, const Email&) = default;
};

struct EmailDelivered {
    std::uint32_t email = 0;  // uint24 on the wire
    friend bool operator==(const EmailDelivered&, const EmailDelivered&) = default;
};

struct Error {
    ErrorCode code = ErrorCode::internal_error;
    std::optional<std::uint32_t> message_number;  // ErrorReference message(1) when set
    std::vector<std::string> unknown_addresses;   // only for unknown_address
    friend bool operator==(const Error&, const Error&) = default;
};

using MessageBody = std::variant<Error, ServerHello, ClientHello, Email, EmailDelivered>;

struct Message {
    std::vector<Extension> extensions;
    MessageBody body;

    MessageType type() const { return static_cast<MessageType>(body.index()); }
    friend bool operator==(const Message&, const Message&) = default;
};

// The variant's order is the MessageType order: keep them in step.
static_assert(std::variant_size_v<MessageBody> == 5);

// The value of the require_security extension if present and well formed.
std::optional<std::uint8_t> require_security(const Message& message);

// Names as written in appendix B ("illegal_message", "ed25519", ...).
std::string_view name_of(MessageType type);
std::string_view name_of(ErrorCode code);
std::string_view name_of(SignatureAlgorithm algorithm);
std::optional<SignatureAlgorithm> signature_algorithm_from_wire(std::uint16_t value);

// Fixed signature size in bytes per algorithm (docs/decisions.md point 7).
std::size_t signature_length(SignatureAlgorithm algorithm);

}  // namespace smtpsec

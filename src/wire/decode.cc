// The Message decoder. It checks every count and length against the bytes
// that remain before allocating, and maps each malformed case to the ErrorCode
// the decisions page gives (illegal_message for structure, illegal_parameter
// for field values, insufficient_security for unknown signature algorithms).
// Structural errors win over value errors: a value error is remembered and
// reported only once the whole Message has parsed.
#include <fmt/core.h>

#include "smtpsec/codec.h"
#include "wire/layout.h"
#include "wire/reader.h"

namespace smtpsec {
namespace {

namespace L = wire::layout;

class Decoder {
public:
    Decoder(const Bytes& frame, const DecodeLimits& limits) : in_(frame), frame_(frame), limits_(limits) {}

    DecodeResult run();

private:
    // Structure errors stop the parse at once.
    bool fail(std::string reason) {
        error_ = DecodeError{ErrorCode::illegal_message, std::move(reason), type_};
        return false;
    }
    // Value errors are kept (first one wins) and reported after the parse.
    void flag(ErrorCode code, std::string reason) {
        if (!value_error_) value_error_ = DecodeError{code, std::move(reason), type_};
    }

    bool number(std::size_t width, std::uint64_t& out, const char* what) {
        if (!in_.uint(width, out))
            return fail(fmt::format("{}: {} bytes needed, {} left", what, width, in_.remaining()));
        return true;
    }
    bool opaque(std::size_t length_width, Bytes& out, const char* what) {
        std::uint64_t n;
        if (!number(length_width, n, what)) return false;
        if (!in_.view(n, out))
            return fail(
                fmt::format("{}: length {} runs past the end ({} bytes left)", what, n, in_.remaining()));
        return true;
    }
    bool text(std::size_t length_width, std::string& out, const char* what) {
        Bytes b;
        if (!opaque(length_width, b, what)) return false;
        out.assign(b.view());
        return true;
    }
    // Reads an element count and refuses it if the elements cannot fit.
    bool count(std::size_t width, std::size_t min_element, std::uint64_t& n, const char* what) {
        if (!number(width, n, what)) return false;
        if (min_element != 0 && n > in_.remaining() / min_element)
            return fail(
                fmt::format("{}: {} elements cannot fit in the {} bytes left", what, n, in_.remaining()));
        return true;
    }

    // A count over one of the DecodeLimits: refused before anything is
    // reserved for it, and nothing after it is parsed.
    bool too_large(std::string reason) {
        error_ = DecodeError{ErrorCode::too_large, std::move(reason), type_};
        return false;
    }
    bool bounded(std::uint64_t n, std::uint64_t max, const char* what) {
        if (n > max) return too_large(fmt::format("{}: {} over the limit of {}", what, n, max));
        return true;
    }

    bool extensions(std::vector<Extension>& out);
    bool error(Error& out);
    bool client_hello(ClientHello& out);
    bool email(Email& out);
    void check_extensions(const std::vector<Extension>& exts);

    wire::Reader in_;
    const Bytes& frame_;
    const DecodeLimits& limits_;
    std::optional<MessageType> type_;
    std::optional<DecodeError> error_;
    std::optional<DecodeError> value_error_;
};

DecodeResult Decoder::run() {
    auto failed = [this] { return Unexpected{*error_}; };
    std::uint64_t size;
    if (!number(L::size_field, size, "size")) return failed();
    if (size != frame_.size()) {
        fail(fmt::format("size field says {} bytes but the Message has {}", size, frame_.size()));
        return failed();
    }
    if (size < kMinFrameableSize) {
        fail(fmt::format("size {} is below the minimum of {}", size, kMinFrameableSize));
        return failed();
    }
    std::uint8_t raw_type;
    in_.u8(raw_type);
    if (raw_type > static_cast<std::uint8_t>(MessageType::email_delivered)) {
        fail(fmt::format("unknown MessageType {}", raw_type));
        return failed();
    }
    type_ = static_cast<MessageType>(raw_type);

    Message msg;
    if (!extensions(msg.extensions)) return failed();

    bool ok = true;
    switch (*type_) {
    case MessageType::error: {
        Error e;
        ok = error(e);
        msg.body = std::move(e);
        break;
    }
    case MessageType::server_hello: {
        ServerHello h;
        ok = in_.u8(h.version) || fail("ServerHello: version missing");
        msg.body = h;
        break;
    }
    case MessageType::client_hello: {
        ClientHello h;
        ok = client_hello(h);
        msg.body = std::move(h);
        break;
    }
    case MessageType::email: {
        Email e;
        ok = email(e);
        msg.body = std::move(e);
        break;
    }
    case MessageType::email_delivered: {
        std::uint64_t n;
        ok = number(L::message_number, n, "EmailDelivered.email");
        msg.body = EmailDelivered{static_cast<std::uint32_t>(n)};
        break;
    }
    }
    if (!ok) return failed();
    if (in_.remaining() != 0) {
        fail(fmt::format("{} bytes left over after the {}", in_.remaining(), name_of(*type_)));
        return failed();
    }
    check_extensions(msg.extensions);
    if (auto* e = std::get_if<Email>(&msg.body))
        if (auto problem = check_email(*e)) flag(problem->code, problem->reason);
    if (value_error_) return Unexpected{*value_error_};
    return msg;
}

bool Decoder::extensions(std::vector<Extension>& out) {
    std::uint64_t n;
    if (!count(L::extension_count, L::min_extension, n, "extensions")) return false;
    out.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        Extension ext;
        if (!in_.u8(ext.type)) return fail("extension type missing");
        if (!opaque(L::extension_data, ext.data, "extension data")) return false;
        out.push_back(std::move(ext));
    }
    return true;
}

// docs/decisions.md point 5: require_security is one byte 0 or 1, on an Email,
// once.
void Decoder::check_extensions(const std::vector<Extension>& exts) {
    int seen = 0;
    for (const auto& ext : exts) {
        if (ext.type != static_cast<std::uint8_t>(ExtensionType::require_security)) continue;
        if (*type_ != MessageType::email)
            flag(ErrorCode::illegal_parameter, fmt::format("require_security on a {}", name_of(*type_)));
        else if (++seen > 1)
            flag(ErrorCode::illegal_parameter, "require_security given twice");
        else if (ext.data.size() != 1 || ext.data[0] > 1)
            flag(
                ErrorCode::illegal_parameter,
                fmt::format("require_security data must be one byte 0 or 1 (got {} bytes)", ext.data.size()));
    }
}

bool Decoder::error(Error& out) {
    std::uint8_t code, reference;
    if (!in_.u8(code)) return fail("Error: code missing");
    if (!in_.u8(reference)) return fail("Error: reference missing");
    out.code = static_cast<ErrorCode>(code);
    if (code > static_cast<std::uint8_t>(ErrorCode::unknown_address))
        flag(ErrorCode::illegal_parameter, fmt::format("Error: unknown ErrorCode {}", code));
    if (reference == 1) {
        std::uint64_t n;
        if (!number(L::message_number, n, "Error.messageNumber")) return false;
        out.message_number = static_cast<std::uint32_t>(n);
    } else if (reference != 0) {
        // What follows depends on the reference: nothing more can be parsed.
        error_ = DecodeError{ErrorCode::illegal_parameter,
                             fmt::format("Error: unknown ErrorReference {}", reference), type_};
        return false;
    }
    if (out.code == ErrorCode::unknown_address) {
        std::uint64_t n;
        if (!count(L::error_address_count, L::min_address, n, "Error addresses")) return false;
        out.unknown_addresses.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            std::string a;
            if (!text(L::address, a, "Error address")) return false;
            out.unknown_addresses.push_back(std::move(a));
        }
    }
    return true;
}

bool Decoder::client_hello(ClientHello& out) {
    if (!in_.u8(out.version)) return fail("ClientHello: version missing");
    std::uint64_t chains;
    if (!count(L::chain_count, L::min_chain, chains, "certificate_chains")) return false;
    if (!bounded(chains, limits_.max_chains, "ClientHello.certificate_chains")) return false;
    out.certificate_chains.reserve(chains);
    std::uint64_t total = 0;
    for (std::uint64_t c = 0; c < chains; ++c) {
        std::uint64_t certs;
        if (!count(L::chain_certificates, L::min_certificate, certs, "CertificateChain")) return false;
        if (!bounded(certs, limits_.max_chain_certificates, "CertificateChain certificates")) return false;
        CertificateChain chain;
        chain.reserve(certs);
        for (std::uint64_t i = 0; i < certs; ++i) {
            Bytes der;
            if (!opaque(L::certificate, der, "Certificate")) return false;
            if (!bounded(der.size(), limits_.max_certificate_size, "Certificate bytes")) return false;
            total += der.size();
            if (!bounded(total, limits_.max_chain_bytes, "ClientHello certificate bytes")) return false;
            chain.push_back(std::move(der));
        }
        out.certificate_chains.push_back(std::move(chain));
    }
    return true;
}

bool Decoder::email(Email& out) {
    std::uint64_t chain, algorithm;
    if (!number(L::chain_index, chain, "Email.certificate_chain")) return false;
    out.certificate_chain = static_cast<std::uint32_t>(chain);
    if (!number(L::algorithm, algorithm, "SignatureMethod.algorithm")) return false;
    auto known = signature_algorithm_from_wire(static_cast<std::uint16_t>(algorithm));
    if (!known) {
        // The signature's length is unknown, so nothing after it can be read
        // (docs/decisions.md point 9: answer insufficient_security, skip by
        // size).
        error_ = DecodeError{ErrorCode::insufficient_security,
                             fmt::format("unknown SignatureAlgorithm 0x{:04x}", algorithm), type_};
        return false;
    }
    out.signature_method.algorithm = *known;
    if (!opaque(L::parameters, out.signature_method.parameters, "SignatureMethod.parameters")) return false;
    if (!in_.view(signature_length(*known), out.signature))
        return fail(fmt::format("signature: {} bytes needed for {}, {} left", signature_length(*known),
                                name_of(*known), in_.remaining()));

    std::uint64_t n;
    if (!count(L::trace_header_count, L::min_header, n, "trace_headers")) return false;
    if (!bounded(n, limits_.max_trace_headers, "Email.trace_headers")) return false;
    out.trace_headers.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        Header h;
        if (!text(L::header_name, h.name, "Header.name")) return false;
        if (!text(L::header_value, h.value, "Header.value")) return false;
        out.trace_headers.push_back(std::move(h));
    }
    if (!count(L::recipient_count, L::min_address, n, "recipients")) return false;
    if (!bounded(n, limits_.max_recipients, "Email.recipients")) return false;
    out.recipients.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string a;
        if (!text(L::address, a, "recipient")) return false;
        out.recipients.push_back(std::move(a));
    }
    return opaque(L::message_body, out.message, "Email.message");
}

}  // namespace

DecodeLimits DecodeLimits::unbounded() {
    DecodeLimits l;
    l.max_chains = L::max_for(L::chain_count);
    l.max_chain_certificates = L::max_for(L::chain_certificates);
    l.max_certificate_size = L::max_for(L::certificate);
    l.max_chain_bytes = ~std::uint64_t{0};
    l.max_trace_headers = L::max_for(L::trace_header_count);
    l.max_recipients = L::max_for(L::recipient_count);
    return l;
}

DecodeResult decode(const Bytes& frame, const DecodeLimits& limits) { return Decoder(frame, limits).run(); }

}  // namespace smtpsec

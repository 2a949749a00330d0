// The Message encoder. Sizes are computed first so the output is allocated
// once and each opaque field (an Email body above all) is copied once.
// Values that cannot be encoded at their field's width are a programming
// error of the caller and throw std::length_error.
#include <fmt/core.h>

#include <stdexcept>

#include "smtpsec/codec.h"
#include "wire/layout.h"

namespace smtpsec {
namespace {

namespace L = wire::layout;

void require_fits(std::uint64_t value, std::size_t width, const char* what) {
    if (value > L::max_for(width))
        throw std::length_error(fmt::format("{} ({}) does not fit in {} bytes", what, value, width));
}

template <class F>
std::uint64_t sum(const auto& items, F&& size_of) {
    std::uint64_t total = 0;
    for (const auto& item : items) total += size_of(item);
    return total;
}

std::uint64_t size_of(const CertificateChain& chain) {
    return L::chain_certificates + sum(chain, [](const Certificate& c) { return L::certificate + c.size(); });
}

std::uint64_t address_list_size(const std::vector<std::string>& list) {
    return sum(list, [](const std::string& a) { return L::address + a.size(); });
}

std::uint64_t body_size(const Message& m) {
    struct Visitor {
        std::uint64_t operator()(const Error& e) const {
            std::uint64_t n = 2 + (e.message_number ? L::message_number : 0);
            if (e.code == ErrorCode::unknown_address)
                n += L::error_address_count + address_list_size(e.unknown_addresses);
            return n;
        }
        std::uint64_t operator()(const ServerHello&) const { return 1; }
        std::uint64_t operator()(const ClientHello& h) const {
            return 1 + L::chain_count + sum(h.certificate_chains, [](const auto& c) { return size_of(c); });
        }
        std::uint64_t operator()(const Email& e) const {
            return L::chain_index + L::algorithm + L::parameters + e.signature_method.parameters.size() +
                   e.signature.size() + L::trace_header_count +
                   sum(e.trace_headers,
                       [](const Header& h) {
                           return L::header_name + h.name.size() + L::header_value + h.value.size();
                       }) +
                   L::recipient_count + address_list_size(e.recipients) + L::message_body + e.message.size();
        }
        std::uint64_t operator()(const EmailDelivered&) const { return L::message_number; }
    };
    return std::visit(Visitor{}, m.body);
}

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

    void uint(std::uint64_t v, std::size_t width, const char* what) {
        require_fits(v, width, what);
        for (std::size_t i = width; i-- > 0;) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void raw(const void* data, std::size_t n) {
        // insert() after reserve() copies without first zero-filling.
        auto* p = static_cast<const std::uint8_t*>(data);
        out_.insert(out_.end(), p, p + n);
    }
    void opaque(std::span<const std::uint8_t> b, std::size_t width, const char* what) {
        uint(b.size(), width, what);
        raw(b.data(), b.size());
    }
    void text(std::string_view s, std::size_t width, const char* what) {
        uint(s.size(), width, what);
        raw(s.data(), s.size());
    }

    void operator()(const Error& e) {
        uint(static_cast<std::uint8_t>(e.code), 1, "ErrorCode");
        uint(e.message_number ? 1 : 0, 1, "ErrorReference");
        if (e.message_number) uint(*e.message_number, L::message_number, "Error.messageNumber");
        if (e.code == ErrorCode::unknown_address) {
            uint(e.unknown_addresses.size(), L::error_address_count, "Error address count");
            for (const auto& a : e.unknown_addresses) text(a, L::address, "Error address");
        }
    }
    void operator()(const ServerHello& h) { uint(h.version, 1, "version"); }
    void operator()(const ClientHello& h) {
        uint(h.version, 1, "version");
        uint(h.certificate_chains.size(), L::chain_count, "certificate_chains count");
        for (const auto& chain : h.certificate_chains) {
            uint(chain.size(), L::chain_certificates, "CertificateChain count");
            for (const auto& cert : chain) opaque(cert.span(), L::certificate, "Certificate");
        }
    }
    void operator()(const Email& e) {
        uint(e.certificate_chain, L::chain_index, "Email.certificate_chain");
        uint(static_cast<std::uint16_t>(e.signature_method.algorithm), L::algorithm, "algorithm");
        opaque(e.signature_method.parameters.span(), L::parameters, "parameters");
        auto expected = signature_length(e.signature_method.algorithm);
        if (e.signature.size() != expected)
            throw std::length_error(fmt::format("signature is {} bytes, {} needs {}", e.signature.size(),
                                                name_of(e.signature_method.algorithm), expected));
        raw(e.signature.data(), e.signature.size());
        uint(e.trace_headers.size(), L::trace_header_count, "trace_headers count");
        for (const auto& h : e.trace_headers) {
            text(h.name, L::header_name, "Header.name");
            text(h.value, L::header_value, "Header.value");
        }
        uint(e.recipients.size(), L::recipient_count, "recipients count");
        for (const auto& a : e.recipients) text(a, L::address, "recipient");
        opaque(e.message.span(), L::message_body, "Email.message");
    }
    void operator()(const EmailDelivered& d) { uint(d.email, L::message_number, "EmailDelivered.email"); }

private:
    std::vector<std::uint8_t>& out_;
};

}  // namespace

std::uint64_t encoded_size(const Message& message) {
    std::uint64_t n = L::size_field + 1 + L::extension_count;
    for (const auto& ext : message.extensions) n += 1 + L::extension_data + ext.data.size();
    return n + body_size(message);
}

void encode_to(const Message& message, std::vector<std::uint8_t>& out) {
    std::uint64_t size = encoded_size(message);
    out.reserve(out.size() + size);
    Writer w(out);
    w.uint(size, L::size_field, "size");
    w.uint(static_cast<std::uint8_t>(message.type()), 1, "MessageType");
    w.uint(message.extensions.size(), L::extension_count, "extensions count");
    for (const auto& ext : message.extensions) {
        w.uint(ext.type, 1, "ExtensionType");
        w.opaque(ext.data.span(), L::extension_data, "extension data");
    }
    std::visit(w, message.body);
}

std::vector<std::uint8_t> encode(const Message& message) {
    std::vector<std::uint8_t> out;
    encode_to(message, out);
    return out;
}

}  // namespace smtpsec

// The human-readable form of smtpsec-dump: one block per Message, fields
// named as in appendix B, long opaque fields summarised.
#include <fmt/core.h>

#include "tools/dump/dump.h"

namespace smtpsec::dump {
namespace {

constexpr std::size_t kShownBodyLines = 12;

std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out.push_back(static_cast<char>(c));
    }
    return out;
}

std::string extension_name(std::uint8_t type) {
    return type == 0 ? "require_security" : fmt::format("unknown({})", type);
}

struct Printer {
    std::string& out;

    void operator()(const Error& e) {
        out += fmt::format("  code: {}\n", name_of(e.code));
        out += e.message_number ? fmt::format("  reference: message #{}\n", *e.message_number)
                                : "  reference: none\n";
        for (const auto& a : e.unknown_addresses) out += fmt::format("  address: {}\n", printable(a));
    }
    void operator()(const ServerHello& h) { out += fmt::format("  version: {}\n", h.version); }
    void operator()(const ClientHello& h) {
        out += fmt::format("  version: {}\n", h.version);
        out += fmt::format("  certificate_chains: {}\n", h.certificate_chains.size());
        for (std::size_t c = 0; c < h.certificate_chains.size(); ++c) {
            out += fmt::format("    chain {}: {} certificate(s)\n", c, h.certificate_chains[c].size());
            for (std::size_t i = 0; i < h.certificate_chains[c].size(); ++i)
                out += fmt::format("      [{}] {}\n", i, describe_certificate(h.certificate_chains[c][i]));
        }
    }
    void operator()(const Email& e) {
        out += fmt::format("  certificate_chain: {}\n", e.certificate_chain);
        out += fmt::format("  signature_method: {} (0x{:04x}), parameters: {} bytes\n",
                           name_of(e.signature_method.algorithm),
                           static_cast<unsigned>(e.signature_method.algorithm),
                           e.signature_method.parameters.size());
        out += fmt::format("  signature: {}\n", to_hex(e.signature.span()));
        out += fmt::format("  trace_headers: {}\n", e.trace_headers.size());
        for (const auto& h : e.trace_headers)
            out += fmt::format("    {}: {}\n", printable(h.name), printable(h.value));
        out += fmt::format("  recipients: {}\n", e.recipients.size());
        for (const auto& r : e.recipients) out += fmt::format("    {}\n", printable(r));
        out += fmt::format("  message: {} bytes\n", e.message.size());
        std::string_view body = e.message.view();
        for (std::size_t line = 0; line < kShownBodyLines && !body.empty(); ++line) {
            auto eol = body.find("\r\n");
            out += fmt::format("    | {}\n", printable(body.substr(0, eol)));
            body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 2);
        }
        if (!body.empty()) out += fmt::format("    | ... ({} more bytes)\n", body.size());
    }
    void operator()(const EmailDelivered& d) { out += fmt::format("  email: #{}\n", d.email); }
};

}  // namespace

void print_text(const Entry& entry, std::string& out) {
    if (entry.error) {
        out += fmt::format("#{} MALFORMED{} ({} bytes): {}: {}\n", entry.number,
                           entry.error->type ? fmt::format(" {}", name_of(*entry.error->type)) : "",
                           entry.size, name_of(entry.error->code), entry.error->reason);
        return;
    }
    const Message& m = *entry.message;
    out += fmt::format("#{} {} ({} bytes)\n", entry.number, name_of(m.type()), entry.size);
    for (const auto& ext : m.extensions)
        out += fmt::format("  extension {}: {}\n", extension_name(ext.type), to_hex(ext.data.span()));
    std::visit(Printer{out}, m.body);
    if (entry.verification) out += fmt::format("  signature check: {}\n", entry.verification->status);
}

}  // namespace smtpsec::dump

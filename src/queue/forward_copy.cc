// See forward_copy.h.
#include "queue/forward_copy.h"

#include "imf/smtpsec_used.h"
#include "imf/trace_headers.h"

namespace smtpsec::queue {

Expected<std::string, std::string> unsigned_forward_copy(
    std::string_view original, const std::vector<std::pair<std::string, std::string>>& trace_headers) {
    auto stripped = imf::remove_smtpsec_used(original);
    if (!stripped) return Unexpected<std::string>{"message cannot be parsed: " + stripped.error().reason};
    const auto whitelist = imf::TraceWhitelist::defaults();
    std::string out;
    for (const auto& [name, value] : trace_headers) {
        Header h{name, value};
        if (!whitelist.allows(name) || !imf::is_restorable(h)) continue;
        out += name;
        out += value.empty() ? ":" : ": ";  // point 13
        out += value;
        out += "\r\n";
    }
    out += stripped->message;
    return out;
}

std::string hex_of(std::span<const std::uint8_t> data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (auto b : data) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

bool bytes_of_hex(std::string_view hex, std::vector<std::uint8_t>& out) {
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    out.clear();
    if (hex.size() % 2) return false;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = digit(hex[i]), lo = digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return true;
}

Expected<DecodedSignature, std::string> decode_forward_signature(const ForwardSignature& stored) {
    DecodedSignature d;
    auto algorithm = signature_algorithm_from_wire(stored.algorithm);
    if (!algorithm) return Unexpected<std::string>{"unknown signature algorithm"};
    d.algorithm = *algorithm;
    std::vector<std::uint8_t> bytes;
    if (!bytes_of_hex(stored.signature_hex, bytes) || bytes.size() != signature_length(d.algorithm))
        return Unexpected<std::string>{"bad signature field"};
    d.signature = Bytes(std::move(bytes));
    for (const auto& c : stored.chain_hex) {
        std::vector<std::uint8_t> der;
        if (!bytes_of_hex(c, der) || der.empty()) return Unexpected<std::string>{"bad certificate in chain"};
        d.chain.push_back(Bytes(std::move(der)));
    }
    if (d.chain.empty()) return Unexpected<std::string>{"empty certificate chain"};
    for (const auto& [n, v] : stored.trace_headers) d.trace_headers.push_back({n, v});
    return d;
}

}  // namespace smtpsec::queue

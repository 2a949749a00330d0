// Name checks and query-name construction (see names.h).
#include "dns/names.h"

#include <cstddef>

#include "wire/ascii.h"

namespace smtpsec::dns {
namespace {

constexpr std::size_t max_name_length = 253;  // text form, without the final dot
constexpr std::size_t max_label_length = 63;

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<std::string> normalize_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > max_name_length) return std::nullopt;
    std::string out;
    out.reserve(name.size());
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return std::nullopt;
            label = 0;
        } else {
            if (!host_char(c) || ++label > max_label_length) return std::nullopt;
        }
        out.push_back(wire::ascii_lower(c));
    }
    if (label == 0) return std::nullopt;
    return out;
}

std::string srv_query_name(std::string_view domain) { return "_smtpsec._tcp." + std::string(domain); }

std::string tlsa_query_name(std::uint16_t port, std::string_view host) {
    return "_" + std::to_string(port) + "._tcp." + std::string(host);
}

std::optional<std::string> decode_wire_name(std::span<const std::uint8_t> wire) {
    std::string text;
    std::size_t pos = 0;
    while (true) {
        if (pos >= wire.size()) return std::nullopt;
        const std::size_t length = wire[pos++];
        if (length == 0) break;
        // 0xC0 and up are compression pointers or reserved label types: an
        // rdata name from libunbound is never compressed.
        if (length > max_label_length || pos + length > wire.size()) return std::nullopt;
        if (!text.empty()) text.push_back('.');
        for (std::size_t i = 0; i < length; ++i) {
            const char c = static_cast<char>(wire[pos + i]);
            // A '.' inside a label would silently become a label boundary.
            if (!host_char(c)) return std::nullopt;
            text.push_back(c);
        }
        pos += length;
    }
    if (pos != wire.size()) return std::nullopt;
    if (text.empty()) return std::string(".");
    return normalize_name(text);
}

}  // namespace smtpsec::dns

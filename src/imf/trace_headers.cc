// See trace_headers.h.
#include "imf/trace_headers.h"

#include <utility>

#include "imf/utf8.h"

namespace smtpsec::imf {

ReceivedBlock top_received_block(const ParsedMessage& parsed) {
    ReceivedBlock out;
    std::size_t block = 0;
    while (block < parsed.fields.size() && equals_ignore_case(parsed.fields[block].name, "Received")) {
        const auto& f = parsed.fields[block];
        out.trace_headers.push_back(Header{std::string(f.name), std::string(value_without_leading_space(f))});
        ++block;
    }
    out.end = block == 0 ? 0 : parsed.fields[block - 1].offset + parsed.fields[block - 1].length;
    return out;
}

Expected<TraceSplit, ImfError> extract_trace_headers(std::string_view message) {
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};
    ReceivedBlock block = top_received_block(*parsed);
    TraceSplit out;
    out.trace_headers = std::move(block.trace_headers);
    out.message.assign(message.substr(block.end));
    return out;
}

TraceWhitelist TraceWhitelist::defaults() { return TraceWhitelist{{"Received"}, {"X-"}}; }

bool TraceWhitelist::allows(std::string_view name) const {
    for (const auto& n : names)
        if (equals_ignore_case(name, n)) return true;
    for (const auto& p : prefixes)
        if (starts_with_ignore_case(name, p)) return true;
    return false;
}

bool is_restorable(const Header& header) {
    if (header.name.empty()) return false;
    for (char c : header.name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    const std::string& v = header.value;
    if (!is_valid_utf8(v)) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\0' || c == '\n') return false;
        if (c != '\r') continue;
        // CRLF, then white space, then something that is not white space.
        if (i + 2 >= v.size() || v[i + 1] != '\n' || (v[i + 2] != ' ' && v[i + 2] != '\t')) return false;
        std::size_t k = i + 2;
        while (k < v.size() && (v[k] == ' ' || v[k] == '\t')) ++k;
        if (k >= v.size() || v[k] == '\r' || v[k] == '\n') return false;
        i = k - 1;
    }
    return true;
}

}  // namespace smtpsec::imf

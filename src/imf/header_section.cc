// The strict header-section scanner behind parse_message (see header_section.h).
#include "imf/header_section.h"

#include <fmt/format.h>

namespace smtpsec::imf {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 ftext: printable US-ASCII except the colon.
bool is_ftext(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && c != ':';
}

Unexpected<ImfError> fail(std::size_t offset, std::string reason) {
    return Unexpected<ImfError>{ImfError{std::move(reason), offset}};
}

}  // namespace

bool same_address(std::string_view a, std::string_view b) {
    const auto at_a = a.rfind('@'), at_b = b.rfind('@');
    if (at_a == std::string_view::npos || at_b == std::string_view::npos) return a == b;
    return a.substr(0, at_a) == b.substr(0, at_b) &&
           equals_ignore_case(a.substr(at_a + 1), b.substr(at_b + 1));
}

std::string address_key(std::string_view address) {
    std::string key(address);
    const auto at = address.find_last_of('@');
    if (at == std::string_view::npos) return key;
    for (auto i = at + 1; i < key.size(); ++i) key[i] = wire::ascii_lower(key[i]);
    return key;
}

std::string_view value_without_leading_space(const HeaderField& field) {
    std::string_view v = field.value;
    if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return v;
}

Expected<ParsedMessage, ImfError> parse_message(std::string_view m) {
    ParsedMessage out;
    const std::size_t n = m.size();
    std::size_t pos = 0;
    while (pos < n) {
        if (m[pos] == '\r' && pos + 1 < n && m[pos + 1] == '\n') {
            out.has_separator = true;
            out.header_end = pos;
            out.body_offset = pos + 2;
            out.body = m.substr(pos + 2);
            return out;
        }
        if (is_wsp(m[pos])) return fail(pos, "continuation line before the first header field");

        HeaderField field;
        field.offset = pos;
        std::size_t i = pos;
        while (i < n && is_ftext(m[i])) ++i;
        std::size_t name_end = i;
        while (i < n && is_wsp(m[i])) ++i;
        if (i >= n || m[i] != ':') {
            if (i < n && (m[i] == '\n' || m[i] == '\r') && name_end == pos)
                return fail(i, "bare CR or LF in the header section (CRLF required)");
            return fail(pos, "header line without a colon");
        }
        if (name_end == pos) return fail(pos, "header field with an empty name");
        field.name = m.substr(pos, name_end - pos);
        field.space_before_colon = i != name_end;
        const std::size_t value_start = i + 1;

        // The field body runs to the first CRLF not followed by white space.
        std::size_t j = value_start;
        bool ended = false;
        while (!ended) {
            while (j < n && m[j] != '\r') {
                if (m[j] == '\n') return fail(j, "bare LF in the header section (CRLF required)");
                if (m[j] == '\0') return fail(j, "NUL in the header section");
                ++j;
            }
            if (j >= n) {  // last field cut at end of input: tolerated
                field.value = m.substr(value_start, n - value_start);
                field.length = n - pos;
                field.terminated = false;
                out.fields.push_back(field);
                out.header_end = n;
                out.body_offset = n;
                return out;
            }
            if (j + 1 >= n || m[j + 1] != '\n') return fail(j, "bare CR in the header section");
            if (j + 2 < n && is_wsp(m[j + 2])) {
                std::size_t k = j + 2;
                while (k < n && is_wsp(m[k])) ++k;
                if (k >= n || m[k] == '\r' || m[k] == '\n')
                    return fail(j + 2,
                                fmt::format("white-space-only continuation line in field '{}'", field.name));
                j = k;
                continue;
            }
            ended = true;
        }
        field.value = m.substr(value_start, j - value_start);
        field.length = j + 2 - pos;
        out.fields.push_back(field);
        pos = j + 2;
    }
    out.header_end = n;
    out.body_offset = n;
    return out;
}

}  // namespace smtpsec::imf

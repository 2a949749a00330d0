// ASCII letter case, the way protocols compare names: domains
// (docs/decisions.md point 12), header field names (RFC 5322), SMTP keywords
// and configuration words. Only A-Z and a-z are folded; every other byte,
// UTF-8 included, is left as it is and compares exactly.
//
// Why here: every layer that compares names needs it (imf, tls, dns, milter,
// daemon), and wire is the one layer all of them may include. Why not
// std::tolower: it depends on the C locale, so a byte above 127 could fold
// differently on another machine.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsec::wire {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline void ascii_lower_in_place(std::string& text) {
    for (char& c : text) c = ascii_lower(c);
}

inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    ascii_lower_in_place(out);
    return out;
}

constexpr bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

constexpr bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equals_ignore_case(text.substr(0, prefix.size()), prefix);
}

}  // namespace smtpsec::wire

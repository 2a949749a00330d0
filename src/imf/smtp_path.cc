// See smtp_path.h.
#include "imf/smtp_path.h"

#include "imf/lexer.h"
#include "imf/utf8.h"

namespace smtpsec::imf {
namespace {

bool is_utf8_byte(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool is_dot_string(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;  // s.back() is not '.', so i + 1 is in range
            continue;
        }
        if (!is_atext(s[i])) return false;
    }
    return true;
}

// RFC 5321: qtextSMTP = %d32-33 / %d35-91 / %d93-126; quoted-pairSMTP =
// "\" %d32-126; RFC 6531 adds UTF-8 to qtextSMTP. No tab, CR, LF or other
// control: SMTP has no way to carry them in a path.
bool is_quoted_string(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (s[i] == '\\') {
            if (i + 2 >= s.size()) return false;  // the escape would take the closing quote
            const auto next = static_cast<unsigned char>(s[++i]);
            if (next < 32 || next > 126) return false;
            continue;
        }
        if (s[i] == '"') return false;
        if (u >= 0x80) continue;
        if (u < 32 || u > 126) return false;
    }
    return true;
}

bool is_domain(std::string_view d) {
    if (d.empty()) return false;
    if (d.front() == '[') {
        if (d.size() < 3 || d.back() != ']') return false;
        for (char c : d.substr(1, d.size() - 2)) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 33 || u > 126 || c == '[' || c == ']' || c == '\\') return false;
        }
        return true;
    }
    std::size_t start = 0;
    while (start <= d.size()) {
        const auto dot = std::min(d.find('.', start), d.size());
        const auto label = d.substr(start, dot - start);
        if (label.empty() || label.size() > 63) return false;
        for (char c : label)
            if (!(is_utf8_byte(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-'))
                return false;
        start = dot + 1;
    }
    return true;
}

}  // namespace

bool is_smtp_mailbox(std::string_view address) {
    if (!is_valid_utf8(address)) return false;
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return false;
    const auto local = address.substr(0, at);
    const auto domain = address.substr(at + 1);
    const bool local_ok = !local.empty() && local.front() == '"' ? is_quoted_string(local)
                                                                 : is_dot_string(local);
    return local_ok && is_domain(domain);
}

}  // namespace smtpsec::imf

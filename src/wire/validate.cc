// Value checks on an Email that need no session state (docs/decisions.md
// points 5, 9, 12, 13, 18). Trace header values are checked for bare CR/LF because a
// receiver restores them above the message's own headers: an unfolded line
// break would let a sender inject header fields into the delivered mail.
#include <fmt/core.h>

#include "smtpsec/codec.h"

namespace smtpsec {
namespace {

// Length of the UTF-8 sequence at s[i], or 0 if it is not well formed
// (overlong forms, surrogates and code points past U+10FFFF are refused).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
        if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
        if (c == 0xf4 && b(1) >= 0x90) return 0;  // past U+10FFFF
        return 4;
    }
    return 0;
}

bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;  // UTF-8 (RFC 6532)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s, bool (*ok)(unsigned char)) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '.') {
            if (s[i - 1] == '.') return false;
        } else if (!ok(c)) {
            return false;
        }
    }
    return true;
}

bool is_quoted_local(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\\') {
            if (++i + 1 >= s.size()) return false;
            c = static_cast<unsigned char>(s[i]);
            if (c < 0x20 && c != '\t') return false;
        } else if (c == '"' || (c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

bool is_label_char(unsigned char c) {
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

bool is_domain(std::string_view d) {
    if (d.size() >= 2 && d.front() == '[' && d.back() == ']') {
        for (char c : d.substr(1, d.size() - 2))
            if (c == '[' || c == ']' || c == '\\' || static_cast<unsigned char>(c) <= 0x20) return false;
        return d.size() > 2;
    }
    if (!is_dot_atom(d, is_label_char)) return false;
    std::size_t label = 0;
    for (char c : d) {
        label = c == '.' ? 0 : label + 1;
        if (label > 63) return false;
    }
    return true;
}

// Field name: printable US-ASCII except colon (RFC 5322 ftext).
bool is_field_name(std::string_view name) {
    if (name.empty()) return false;
    for (char ch : name) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 33 || c > 126 || c == ':') return false;
    }
    return true;
}

// Field body: line breaks only as folding (CRLF then SP/HTAB), no NUL, no
// final CRLF (docs/decisions.md point 13).
std::optional<std::string> field_value_problem(std::string_view v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\0') return "contains NUL";
        if (c == '\n') return "contains a bare LF";
        if (c == '\r') {
            if (i + 1 >= v.size() || v[i + 1] != '\n') return "contains a bare CR";
            if (i + 2 >= v.size()) return "ends with CRLF";
            if (v[i + 2] != ' ' && v[i + 2] != '\t')
                return "has a line break that is not folding (CRLF not followed by SP or HTAB)";
            ++i;
        }
    }
    return std::nullopt;
}

}  // namespace

bool is_valid_address(std::string_view address) {
    if (!is_utf8(address)) return false;
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return false;
    auto local = address.substr(0, at);
    auto domain = address.substr(at + 1);
    bool local_ok = is_dot_atom(local, is_atext) || is_quoted_local(local);
    return local_ok && is_domain(domain);
}

std::optional<DecodeError> check_email(const Email& email) {
    auto bad = [](std::string reason) {
        return DecodeError{ErrorCode::illegal_parameter, std::move(reason), MessageType::email};
    };
    if (!email.signature_method.parameters.empty())
        return bad(fmt::format("SignatureMethod.parameters must be empty for {} ({} bytes given)",
                               name_of(email.signature_method.algorithm),
                               email.signature_method.parameters.size()));
    if (email.signature.size() != signature_length(email.signature_method.algorithm))
        return bad(fmt::format("signature is {} bytes, {} needs {}", email.signature.size(),
                               name_of(email.signature_method.algorithm),
                               signature_length(email.signature_method.algorithm)));
    if (email.recipients.empty()) return bad("Email has no recipients");
    for (std::size_t i = 0; i < email.recipients.size(); ++i)
        if (!is_valid_address(email.recipients[i]))
            return bad(fmt::format("recipient {} is not a UTF-8 local@domain address", i));
    for (std::size_t i = 0; i < email.trace_headers.size(); ++i) {
        const auto& h = email.trace_headers[i];
        if (!is_field_name(h.name))
            return bad(fmt::format("trace header {}: name is not a valid field name", i));
        if (auto problem = field_value_problem(h.value))
            return bad(fmt::format("trace header {} ({}): value {}", i, h.name, *problem));
    }
    return std::nullopt;
}

}  // namespace smtpsec

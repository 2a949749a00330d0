// See auth_results.h. RFC 8601 section 2.2: authserv-id and pvalues are MIME
// `value`s (RFC 2045: token or quoted-string); RFC 6532 lets them be UTF-8.
#include "imf/auth_results.h"

#include <cstring>

#include "imf/header_section.h"
#include "imf/idna.h"
#include "imf/lexer.h"
#include "imf/utf8.h"
#include "wire/ascii.h"

namespace smtpsec::imf {
namespace {

bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return true;
    if (u <= 32 || u == 127) return false;
    return std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

bool has_control(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 32 || u == 127) return true;
    }
    return false;
}

// A MIME value: the text itself if it is a token, else a quoted string.
std::string mime_value(std::string_view s) {
    bool token = !s.empty();
    for (char c : s) token = token && is_token_char(c);
    if (token) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

Unexpected<ImfError> bad_input(std::string what) {
    return Unexpected<ImfError>{ImfError{std::move(what), 0}};
}

}  // namespace

Expected<std::string, ImfError> format_authentication_results(const SmtpsecAuthResult& r) {
    for (std::string_view s :
         {std::string_view(r.authserv_id), std::string_view(r.from_domain), std::string_view(r.cert_name)}) {
        if (s.empty()) return bad_input("Authentication-Results: empty value");
        if (has_control(s) || !is_valid_utf8(s))
            return bad_input("Authentication-Results: control character or invalid UTF-8 in a value");
    }
    std::string out(auth_results_name);
    out += ": " + mime_value(r.authserv_id) + ";\r\n\tsmtpsec=pass header.from=" + mime_value(r.from_domain) +
           " policy.cert-name=" + mime_value(r.cert_name) + "\r\n";
    return out;
}

std::optional<std::string> authserv_id_of(std::string_view value) {
    if (!is_valid_utf8(value)) return std::nullopt;
    Lexer lx(value);
    if (!lx.skip_cfws() || lx.at_end()) return std::nullopt;
    std::string id;
    if (lx.peek() == '"') {
        std::string quoted;
        if (!lx.quoted_string(quoted)) return std::nullopt;
        // Unquote: drop the quotes and the backslash of each quoted-pair.
        for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
            if (quoted[i] == '\\') ++i;
            id.push_back(quoted[i]);
        }
    } else {
        while (!lx.at_end() && is_token_char(lx.peek())) {
            id.push_back(lx.peek());
            lx.advance();
        }
    }
    if (id.empty()) return std::nullopt;
    // What follows must be CFWS, an optional version, then ';' (even a
    // "none" result has it).
    if (!lx.skip_cfws()) return std::nullopt;
    while (!lx.at_end() && lx.peek() >= '0' && lx.peek() <= '9') lx.advance();
    if (!lx.skip_cfws()) return std::nullopt;
    if (lx.at_end() || lx.peek() != ';') return std::nullopt;
    return id;
}

namespace {

// The form a host-name comparison sees: no final dot, lowercase A-labels
// (imf/idna.h); a name that is no valid domain is only lowercased.
std::string comparable_name(std::string_view id) {
    if (id.size() > 1 && id.back() == '.') id.remove_suffix(1);
    if (auto a_label = domain_to_a_label(id)) return *a_label;
    return wire::ascii_lower(id);
}

}  // namespace

bool is_forged_auth_results(std::string_view value, std::string_view ours) {
    auto id = authserv_id_of(value);
    return !id || equals_ignore_case(*id, ours) || comparable_name(*id) == comparable_name(ours);
}

}  // namespace smtpsec::imf

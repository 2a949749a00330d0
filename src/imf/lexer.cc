// RFC 5322 3.2.2-3.2.4 (+ RFC 6532 3.2) token rules. Comments nest; they are
// skipped with a depth counter so that deep nesting costs no stack.
#include "imf/lexer.h"

#include <fmt/format.h>

#include <cstring>

namespace smtpsec::imf {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_8bit(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool is_vchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 33 && u <= 126) || u >= 0x80;
}
bool is_ctext(char c) { return is_vchar(c) && c != '(' && c != ')' && c != '\\'; }
bool is_qtext(char c) { return is_vchar(c) && c != '"' && c != '\\'; }

}  // namespace

bool is_atext(char c) {
    if (is_8bit(c)) return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool Lexer::fail(std::string reason) {
    error_ = fmt::format("{} at offset {}", reason, i_);
    return false;
}

std::string Lexer::describe_here() const {
    if (at_end()) return "end of field";
    auto u = static_cast<unsigned char>(s_[i_]);
    if (u >= 33 && u <= 126) return fmt::format("'{}'", s_[i_]);
    return fmt::format("byte 0x{:02x}", u);
}

bool Lexer::skip_fws_break() {
    if (i_ + 2 < s_.size() && s_[i_ + 1] == '\n' && is_wsp(s_[i_ + 2])) {
        i_ += 3;
        return true;
    }
    return fail("line break that is not folding");
}

bool Lexer::skip_cfws() {
    while (!at_end()) {
        char c = s_[i_];
        if (is_wsp(c)) {
            ++i_;
        } else if (c == '\r') {
            if (!skip_fws_break()) return false;
        } else if (c == '(') {
            std::size_t start = i_;
            int depth = 0;
            do {
                if (at_end()) {
                    i_ = start;
                    return fail("unterminated comment");
                }
                c = s_[i_];
                if (c == '(') {
                    ++depth;
                    ++i_;
                } else if (c == ')') {
                    --depth;
                    ++i_;
                } else if (c == '\\') {
                    if (i_ + 1 >= s_.size() || !(is_vchar(s_[i_ + 1]) || is_wsp(s_[i_ + 1]))) {
                        return fail("bad quoted-pair in comment");
                    }
                    i_ += 2;
                } else if (c == '\r') {
                    if (!skip_fws_break()) return false;
                } else if (is_wsp(c) || is_ctext(c)) {
                    ++i_;
                } else {
                    return fail(fmt::format("{} in comment", describe_here()));
                }
            } while (depth > 0);
        } else {
            break;
        }
    }
    return true;
}

bool Lexer::quoted_string(std::string& out) {
    std::size_t start = i_;
    out.push_back('"');
    ++i_;
    while (true) {
        if (at_end()) {
            i_ = start;
            return fail("unterminated quoted string");
        }
        char c = s_[i_];
        if (c == '"') {
            out.push_back('"');
            ++i_;
            return true;
        }
        if (c == '\\') {
            if (i_ + 1 >= s_.size() || !(is_vchar(s_[i_ + 1]) || is_wsp(s_[i_ + 1])))
                return fail("bad quoted-pair in quoted string");
            out.append(s_.substr(i_, 2));
            i_ += 2;
        } else if (c == '\r') {
            if (!skip_fws_break()) return false;
            out.push_back(s_[i_ - 1]);  // unfolding keeps the white space
        } else if (is_wsp(c) || is_qtext(c)) {
            out.push_back(c);
            ++i_;
        } else {
            return fail(fmt::format("{} in quoted string", describe_here()));
        }
    }
}

std::string_view Lexer::atext_run() {
    std::size_t start = i_;
    while (!at_end() && is_atext(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
}

}  // namespace smtpsec::imf

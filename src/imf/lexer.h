// The lexical tokens of RFC 5322 section 3.2 (folding white space, nested
// comments, atoms, quoted strings), with RFC 6532's UTF-8 extension.
//
// Why: the From parser and the Authentication-Results authserv-id reader both
// need them, and both must agree with each other about where a comment or a
// quoted string ends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsec::imf {

bool is_atext(char c);  // ASCII atext or any byte of a UTF-8 sequence

class Lexer {
public:
    explicit Lexer(std::string_view text) : s_(text) {}

    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return s_[i_]; }
    std::size_t pos() const { return i_; }
    void set_pos(std::size_t pos) { i_ = pos; }
    void advance(std::size_t n = 1) { i_ += n; }

    // Skips [CFWS]; false (with error()) on an unterminated comment, a bad
    // character in a comment or a CRLF not followed by white space.
    bool skip_cfws();
    // At a '"': appends the quoted string, quotes included, folding CRLFs
    // removed, to `out`; false (with error()) when it is malformed.
    bool quoted_string(std::string& out);
    // A run of atext (possibly empty).
    std::string_view atext_run();

    const std::string& error() const { return error_; }
    bool fail(std::string reason);
    // A short printable description of the byte at the current position.
    std::string describe_here() const;

private:
    bool skip_fws_break();  // at a CR: CRLF followed by at least one WSP

    std::string_view s_;
    std::size_t i_ = 0;
    std::string error_;
};

}  // namespace smtpsec::imf

// The strict mailbox-list parser behind origin_mailbox (see origin_from.h for
// why it is hand-written). Grammar: RFC 5322 3.4 without the obsolete forms,
// plus RFC 6532 UTF-8. An address is first tried as a bare addr-spec; if that
// does not end the list element, it is read again as a display name followed
// by '<' (name-addr) or ':' (group). Errors that no second reading can cure
// (an unterminated comment, a route, an address literal) stop at once.
#include "imf/origin_from.h"

#include <fmt/format.h>

#include "imf/lexer.h"
#include "imf/utf8.h"
#include "wire/ascii.h"

namespace smtpsec::imf {
namespace {

class MailboxListParser {
public:
    explicit MailboxListParser(std::string_view value) : lx_(value) {}

    // Counts the list elements; the first mailbox is kept.
    bool parse() {
        while (true) {
            if (!lx_.skip_cfws()) return false;
            if (lx_.at_end()) return lx_.fail(count_ == 0 ? "no address" : "empty element after ','");
            if (lx_.peek() == ',') return lx_.fail("empty list element");
            Mailbox mb;
            if (!address(mb)) return false;
            if (group_) return true;
            if (count_ == 0) first_ = std::move(mb);
            ++count_;
            if (!lx_.skip_cfws()) return false;
            if (lx_.at_end()) return true;
            if (lx_.peek() != ',')
                return lx_.fail(fmt::format("unexpected {} after an address", lx_.describe_here()));
            lx_.advance();
        }
    }

    const std::string& error() const { return lx_.error(); }
    bool group() const { return group_; }
    int count() const { return count_; }
    Mailbox& first() { return first_; }

private:
    bool address(Mailbox& mb) {
        const std::size_t start = lx_.pos();
        if (addr_spec(mb)) {
            std::size_t after = lx_.pos();
            if (lx_.skip_cfws() && (lx_.at_end() || lx_.peek() == ',')) {
                lx_.set_pos(after);
                return true;
            }
        }
        if (hard_) return false;
        lx_.set_pos(start);
        mb = Mailbox{};

        bool have_phrase = false;
        if (!phrase(have_phrase)) return false;
        if (lx_.at_end()) return lx_.fail("address expected");
        if (lx_.peek() == ':') {
            if (!have_phrase) return lx_.fail("unexpected ':'");
            group_ = true;
            return true;
        }
        if (lx_.peek() != '<')
            return lx_.fail(
                fmt::format("unexpected {} (expected '<' after a display name)", lx_.describe_here()));
        lx_.advance();
        if (!lx_.skip_cfws()) return false;
        if (!lx_.at_end() && lx_.peek() == '@') {
            hard_ = true;
            return lx_.fail("obsolete route in angle address");
        }
        if (!addr_spec(mb)) return false;
        if (lx_.at_end() || lx_.peek() != '>')
            return lx_.fail(fmt::format("unexpected {} (expected '>')", lx_.describe_here()));
        lx_.advance();
        return true;
    }

    // display-name: words (atoms, including encoded words, and quoted
    // strings), with obs-phrase dots after the first word.
    bool phrase(bool& have_word) {
        std::string scratch;
        while (true) {
            if (!lx_.skip_cfws()) return false;
            if (lx_.at_end()) return true;
            char c = lx_.peek();
            if (c == '"') {
                scratch.clear();
                if (!lx_.quoted_string(scratch)) return false;
                have_word = true;
            } else if (is_atext(c)) {
                lx_.atext_run();
                have_word = true;
            } else if (c == '.' && have_word) {
                lx_.advance();
            } else {
                return true;
            }
        }
    }

    // local-part "@" domain, each with optional CFWS around it.
    bool addr_spec(Mailbox& mb) {
        if (!lx_.skip_cfws()) return hard(false);
        if (lx_.at_end()) return lx_.fail("address expected");
        if (lx_.peek() == '"') {
            if (!lx_.quoted_string(mb.local_part)) return hard(false);
        } else if (!dot_atom_text(mb.local_part)) {
            return false;
        }
        if (!lx_.skip_cfws()) return hard(false);
        if (lx_.at_end() || lx_.peek() != '@')
            return lx_.fail(fmt::format("unexpected {} (expected '@')", lx_.describe_here()));
        lx_.advance();
        if (!lx_.skip_cfws()) return hard(false);
        if (!lx_.at_end() && lx_.peek() == '[') {
            hard_ = true;
            return lx_.fail("address-literal domain");
        }
        if (!dot_atom_text(mb.domain)) return false;
        if (!lx_.skip_cfws()) return hard(false);
        mb.address = mb.local_part + "@" + mb.domain;
        mb.domain_lower = wire::ascii_lower(mb.domain);
        return true;
    }

    bool dot_atom_text(std::string& out) {
        std::string_view first = lx_.atext_run();
        if (first.empty()) return lx_.fail(fmt::format("unexpected {}", lx_.describe_here()));
        out.assign(first);
        while (!lx_.at_end() && lx_.peek() == '.') {
            lx_.advance();
            std::string_view next = lx_.atext_run();
            if (next.empty()) return lx_.fail("empty label after '.'");
            out.push_back('.');
            out.append(next);
        }
        return true;
    }

    bool hard(bool result) {
        hard_ = true;
        return result;
    }

    Lexer lx_;
    Mailbox first_;
    int count_ = 0;
    bool group_ = false;
    bool hard_ = false;  // an error a second reading cannot cure
};

Unexpected<FromError> from_error(FromFailure failure, std::string reason) {
    return Unexpected<FromError>{FromError{failure, std::move(reason)}};
}

bool is_special(char c) {
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '.':
    case '[':
    case ']': return true;
    default: return false;
    }
}

}  // namespace

std::size_t count_address_tokens(std::string_view field_value) {
    const std::string_view v = field_value;  // indexed often below
    std::size_t tokens = 0;
    std::size_t i = 0;
    while (i < v.size()) {
        const char c = v[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        ++tokens;
        if (c == '"' || c == '[') {  // quoted string or domain literal: up to its unescaped end
            const char close = c == '"' ? '"' : ']';
            for (++i; i < v.size() && v[i] != close; ++i)
                if (v[i] == '\\') ++i;
            ++i;
        } else if (c == '(') {  // a comment, nested ones included
            int depth = 0;
            for (; i < v.size(); ++i) {
                if (v[i] == '\\') {
                    ++i;
                } else if (v[i] == '(') {
                    ++depth;
                } else if (v[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
            }
        } else if (is_special(c)) {
            ++i;
        } else {
            while (i < v.size() && !is_special(v[i]) && v[i] != ' ' && v[i] != '\t' && v[i] != '\r' &&
                   v[i] != '\n')
                ++i;
        }
    }
    return tokens;
}

Expected<Mailbox, FromError> parse_single_mailbox(std::string_view value) {
    if (!is_valid_utf8(value)) return from_error(FromFailure::unparseable, "unparseable From: invalid UTF-8");
    if (const auto tokens = count_address_tokens(value); tokens > kMaxFromTokens)
        return from_error(FromFailure::too_many_tokens,
                          fmt::format("From has {} address tokens (more than {}: the MTA may truncate it)",
                                      tokens, kMaxFromTokens));
    MailboxListParser p(value);
    if (!p.parse()) return from_error(FromFailure::unparseable, "unparseable From: " + p.error());
    if (p.group()) return from_error(FromFailure::group, "From is a group");
    if (p.count() != 1)
        return from_error(FromFailure::several_mailboxes, fmt::format("From has {} mailboxes", p.count()));
    // RFC 2047 section 5: an encoded word must not appear in an addr-spec,
    // quoted or not; a reader that decoded one would show another address.
    if (p.first().address.find("=?") != std::string::npos)
        return from_error(FromFailure::encoded_word_in_address, "From address contains an encoded word (=?)");
    return std::move(p.first());
}

Expected<Mailbox, FromError> origin_mailbox(const ParsedMessage& message) {
    const HeaderField* from = nullptr;
    int count = 0;
    for (const auto& f : message.fields) {
        if (equals_ignore_case(f.name, "From")) {
            ++count;
            from = &f;
        }
    }
    if (count == 0) return from_error(FromFailure::no_from, "no From field");
    if (count > 1) return from_error(FromFailure::several_from_fields, fmt::format("{} From fields", count));
    if (const auto size = from->name.size() + 1 + from->value.size(); size > kMaxFromFieldBytes)
        return from_error(FromFailure::too_long,
                          fmt::format("From field is {} bytes (more than {}: the MTA may "
                                      "truncate it)",
                                      size, kMaxFromFieldBytes));
    if (from->space_before_colon)
        return from_error(FromFailure::unparseable, "unparseable From: white space before the colon");
    return parse_single_mailbox(from->value);
}

Expected<Mailbox, FromError> origin_mailbox(std::string_view message) {
    auto parsed = parse_message(message);
    if (!parsed)
        return from_error(FromFailure::unparseable, "unparseable header section: " + parsed.error().reason);
    return origin_mailbox(*parsed);
}

}  // namespace smtpsec::imf

// See reply.h. Line endings are CRLF; a bare LF is accepted as well, as
// it changes nothing about where a reply line ends.
#include "mta/reply.h"

#include <fmt/format.h>

namespace smtpsec::mta {

std::string SmtpReply::text() const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += i == 0 ? " " : " / ";
        out += lines[i];
    }
    return out;
}

bool ReplyParser::fail(std::string reason) {
    error_ = std::move(reason);
    return false;
}

bool ReplyParser::feed(std::string_view data, std::deque<SmtpReply>& out) {
    if (!error_.empty()) return false;
    while (!data.empty()) {
        std::size_t nl = data.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(data);
            // A pending CR may be the first half of the CRLF, which is not
            // part of the line: the same stream must not fail or pass
            // depending on where TCP cut it.
            const bool cr_pending = !partial_.empty() && partial_.back() == '\r';
            if (partial_.size() > max_line + (cr_pending ? 1 : 0)) return fail("reply line too long");
            return true;
        }
        partial_.append(data.substr(0, nl));
        data.remove_prefix(nl + 1);
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        if (partial_.size() > max_line) return fail("reply line too long");
        std::string text = std::move(partial_);
        partial_.clear();
        if (!line(text, out)) return false;
    }
    return true;
}

bool ReplyParser::line(std::string_view text, std::deque<SmtpReply>& out) {
    auto digit = [&](std::size_t i, char lo, char hi) {
        return text.size() > i && text[i] >= lo && text[i] <= hi;
    };
    if (!digit(0, '2', '5') || !digit(1, '0', '9') || !digit(2, '0', '9'))
        return fail(fmt::format("malformed reply line '{}'", text.substr(0, 80)));
    int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    bool more = false;
    if (text.size() > 3) {
        if (text[3] == '-') {
            more = true;
        } else if (text[3] != ' ') {
            return fail(fmt::format("malformed reply line '{}'", text.substr(0, 80)));
        }
    }
    if (in_reply_ && code != current_.code) return fail("reply code changes inside a multi-line reply");
    if (current_.lines.size() >= max_lines) return fail("reply has too many lines");
    current_.code = code;
    current_.lines.emplace_back(text.size() > 4 ? text.substr(4) : std::string_view());
    in_reply_ = more;
    if (!more) {
        out.push_back(std::move(current_));
        current_ = SmtpReply{};
    }
    return true;
}

}  // namespace smtpsec::mta

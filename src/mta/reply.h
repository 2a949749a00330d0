// SMTP replies (RFC 5321 4.2) read incrementally from a byte stream.
//
// Why: the MTA client (client_session.h) pipelines commands and must match
// replies to them one by one; replies arrive in arbitrary TCP chunks and may
// span several lines.
// A malformed or oversized reply is an error value, not an exception: the
// peer is the local MTA, but the client must not trust its framing blindly.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsec::mta {

struct SmtpReply {
    int code = 0;
    std::vector<std::string> lines;  // the text after "NNN-"/"NNN ", one per line

    int kind() const { return code / 100; }  // 2, 3, 4 or 5
    // "250 2.0.0 Ok" style: code, then the lines joined by " / ".
    std::string text() const;
};

class ReplyParser {
public:
    // Limits that bound memory whatever the peer sends.
    static constexpr std::size_t max_line = 4096;
    static constexpr std::size_t max_lines = 512;

    // Appends every reply completed by `data` to `out`. False on a malformed
    // reply; the parser is then unusable (the connection must be dropped).
    bool feed(std::string_view data, std::deque<SmtpReply>& out);
    const std::string& error() const { return error_; }

private:
    bool line(std::string_view text, std::deque<SmtpReply>& out);
    bool fail(std::string reason);

    std::string partial_;
    SmtpReply current_;
    bool in_reply_ = false;
    std::string error_;
};

}  // namespace smtpsec::mta

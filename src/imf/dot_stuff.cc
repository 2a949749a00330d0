// See dot_stuff.h.
#include "imf/dot_stuff.h"

#include <cstring>

namespace smtpsec::imf {

void DotStuffer::feed(std::string_view in, std::string& out) {
    const char* p = in.data();
    const char* const end = p + in.size();
    if (pending_cr_ && p < end) {
        pending_cr_ = false;
        out.append("\r\n");
        at_line_start_ = true;
        if (*p == '\n') ++p;
    }
    // A line that ends in CRLF and does not start with '.' goes out as it
    // came in, so such lines are not copied one by one: `copied` marks how far
    // the input is in `out`, and only a change (a stuffed dot, a bare CR or
    // LF) copies what lies before it. memchr finds the line ends: a 10 MiB
    // body of 76-byte lines is 140,000 of them.
    const char* copied = p;
    auto copy_up_to = [&](const char* upto) {
        out.append(copied, static_cast<std::size_t>(upto - copied));
        copied = upto;
    };
    while (p < end) {
        if (at_line_start_ && *p == '.') {
            copy_up_to(p);
            out.push_back('.');
        }
        at_line_start_ = false;
        const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* line_end = lf ? lf : end;
        const auto* cr = static_cast<const char*>(
            std::memchr(p, '\r', static_cast<std::size_t>(line_end - p)));
        if (cr && cr + 1 == lf) {  // CRLF (cr is the first CR of the line): unchanged
            p = lf + 1;
            at_line_start_ = true;
            continue;
        }
        if (cr && cr + 1 == end) {  // maybe the first half of a CRLF split across pieces
            copy_up_to(cr);
            copied = end;
            pending_cr_ = true;
            return;
        }
        const char* bare = cr ? cr : lf;  // the first CR is not before an LF, or an LF has no CR
        if (!bare) break;                 // an open line, continued by the next piece
        copy_up_to(bare);
        out.append("\r\n");
        p = copied = bare + 1;
        at_line_start_ = true;
    }
    copy_up_to(end);
}

void DotStuffer::finish(std::string& out) {
    if (pending_cr_) {
        pending_cr_ = false;
        out.append("\r\n");
        at_line_start_ = true;
    }
    if (!at_line_start_) out.append("\r\n");
    out.append(".\r\n");
    at_line_start_ = true;
}

std::string dot_stuff(std::string_view message) {
    std::string out;
    out.reserve(message.size() + message.size() / 64 + 8);
    DotStuffer s;
    s.feed(message, out);
    s.finish(out);
    return out;
}

}  // namespace smtpsec::imf

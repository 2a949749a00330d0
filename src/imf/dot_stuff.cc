// See dot_stuff.h. Runs of ordinary bytes are appended in one go; only CR, LF
// and a '.' at the start of a line are looked at one by one.
#include "imf/dot_stuff.h"

namespace smtpsec::imf {

void DotStuffer::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    const std::size_t n = in.size();
    if (pending_cr_ && n > 0) {
        pending_cr_ = false;
        out.append("\r\n");
        at_line_start_ = true;
        if (in[0] == '\n') i = 1;
    }
    while (i < n) {
        if (at_line_start_ && in[i] == '.') out.push_back('.');
        at_line_start_ = false;
        std::size_t run = i;
        while (run < n && in[run] != '\r' && in[run] != '\n') ++run;
        out.append(in.substr(i, run - i));
        if (run == n) return;
        if (in[run] == '\r') {
            if (run + 1 == n) {
                pending_cr_ = true;
                return;
            }
            i = in[run + 1] == '\n' ? run + 2 : run + 1;
        } else {
            i = run + 1;
        }
        out.append("\r\n");
        at_line_start_ = true;
    }
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

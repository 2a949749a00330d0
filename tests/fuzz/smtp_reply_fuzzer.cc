// libFuzzer target for the SMTP reply parser of the re-injection client
// (src/mta/reply.h): the MTA's replies, in whatever TCP chunks.
//
// Input: the first byte chooses the chunk sizes (bits 0-5: the size, 1-64;
// bit 6: sizes vary from chunk to chunk); the rest is the byte stream.
//
// Properties: no crash; every reply within the parser's bounds (lines per
// reply, bytes per line); and a reply is never split into two or merged:
// the replies out of chunked feeding are exactly those of a straightforward
// model of RFC 5321 4.2 (one reply per line whose code is followed by a
// space or nothing; "NNN-" lines continue it) over the whole stream, and the
// parser fails exactly where the model does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "mta/reply.h"

using smtpsec::mta::ReplyParser;
using smtpsec::mta::SmtpReply;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

struct Model {
    std::vector<SmtpReply> replies;
    bool failed = false;
};

// The whole stream at once: complete lines only (a last line without LF is
// still pending, never a reply).
Model model_of(std::string_view s) {
    Model m;
    SmtpReply current;
    bool open = false;
    std::size_t line_start = 0;
    while (true) {
        const std::size_t nl = s.find('\n', line_start);
        std::string_view line = s.substr(
            line_start, nl == std::string_view::npos ? s.size() - line_start : nl - line_start);
        if (nl == std::string_view::npos) {
            const bool cr_pending = !line.empty() && line.back() == '\r';
            m.failed = line.size() > ReplyParser::max_line + (cr_pending ? 1 : 0);
            return m;
        }
        line_start = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto digit = [&](std::size_t i, char lo) {
            return line.size() > i && line[i] >= lo && line[i] <= '9';
        };
        const bool coded = digit(0, '2') && line[0] <= '5' && digit(1, '0') && digit(2, '0');
        const bool sep_ok = line.size() == 3 || (line.size() > 3 && (line[3] == ' ' || line[3] == '-'));
        if (line.size() > ReplyParser::max_line || !coded || !sep_ok) {
            m.failed = true;
            return m;
        }
        const int code = std::stoi(std::string(line.substr(0, 3)));
        if (open && code != current.code) {
            m.failed = true;
            return m;
        }
        if (current.lines.size() >= ReplyParser::max_lines) {
            m.failed = true;
            return m;
        }
        current.code = code;
        current.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
        open = line.size() > 3 && line[3] == '-';
        if (!open) {
            m.replies.push_back(std::move(current));
            current = SmtpReply{};
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t chunk = 1 + (data[0] & 0x3f);
    const bool varying = data[0] & 0x40;
    std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

    ReplyParser parser;
    std::deque<SmtpReply> out;
    bool ok = true;
    for (std::size_t at = 0, n = 0; at < stream.size() && ok; ++n) {
        std::size_t len = varying ? 1 + (n * 7 + chunk) % 64 : chunk;
        len = std::min(len, stream.size() - at);
        ok = parser.feed(stream.substr(at, len), out);
        check(ok || !parser.error().empty(), "failure without a reason");
        at += len;
    }
    if (!ok) check(!parser.feed("250 ok\r\n", out), "a failed parser took more input");

    const Model model = model_of(stream);
    check(!ok == model.failed, "parser and model disagree on whether the stream is malformed");
    check(out.size() == model.replies.size(), "a reply was split or merged");
    for (std::size_t i = 0; i < out.size(); ++i) {
        const SmtpReply& r = out[i];
        check(r.code >= 200 && r.code <= 599, "reply code out of range");
        check(!r.lines.empty() && r.lines.size() <= ReplyParser::max_lines, "reply line count out of bounds");
        for (const auto& line : r.lines) check(line.size() <= ReplyParser::max_line, "reply line too long");
        check(r.code == model.replies[i].code && r.lines == model.replies[i].lines,
              "a reply differs from the model's");
    }
    return 0;
}

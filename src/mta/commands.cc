// See commands.h.
#include "mta/commands.h"

#include <fmt/format.h>

#include <charconv>

namespace smtpsec::mta {
namespace {

std::string upper_keyword(std::string_view line) {
    std::string word(line.substr(0, line.find(' ')));
    for (char& c : word)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return word;
}

}  // namespace

EhloCapabilities parse_ehlo(const SmtpReply& reply) {
    EhloCapabilities caps;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string& line = reply.lines[i];
        std::string word = upper_keyword(line);
        if (word == "PIPELINING") caps.pipelining = true;
        if (word == "SMTPUTF8") caps.smtputf8 = true;
        if (word == "8BITMIME") caps.eight_bit_mime = true;
        if (word == "SIZE") {
            caps.size = true;
            std::size_t sp = line.find(' ');
            if (sp != std::string::npos) {
                std::string_view n = std::string_view(line).substr(sp + 1);
                std::uint64_t limit = 0;
                auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), limit);
                if (ec == std::errc()) caps.size_limit = limit;
            }
        }
    }
    return caps;
}

bool is_usable_path(std::string_view address, bool allow_empty) {
    if (address.empty()) return allow_empty;
    bool quoted = false;
    for (std::size_t i = 0; i < address.size(); ++i) {
        auto u = static_cast<unsigned char>(address[i]);
        if (u < 32 || u == 127) return false;
        char c = address[i];
        if (c == '<' || c == '>') return false;
        if (c == '"') quoted = !quoted;
        if (c == '\\' && quoted) {
            if (++i >= address.size()) return false;
            auto next = static_cast<unsigned char>(address[i]);
            if (next < 32 || next == 127) return false;
            continue;
        }
        if (c == ' ' && !quoted) return false;
    }
    return !quoted;
}

std::string ehlo_command(std::string_view name) { return fmt::format("EHLO {}\r\n", name); }

std::string mail_command(std::string_view from, const MailParameters& p) {
    std::string out = fmt::format("MAIL FROM:<{}>", from);
    if (p.size != 0) out += fmt::format(" SIZE={}", p.size);
    if (p.body_8bitmime) out += " BODY=8BITMIME";
    if (p.smtputf8) out += " SMTPUTF8";
    out += "\r\n";
    return out;
}

std::string rcpt_command(std::string_view to) { return fmt::format("RCPT TO:<{}>\r\n", to); }

}  // namespace smtpsec::mta

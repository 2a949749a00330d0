// See received.h.
#include "imf/received.h"

#include <fmt/format.h>

#include <ctime>

#include "imf/lexer.h"
#include "imf/smtp_path.h"

namespace smtpsec::imf {
namespace {

Unexpected<ImfError> bad(const std::string& what) {
    return Unexpected<ImfError>{ImfError{"Received: " + what, 0}};
}

// Host names as RFC 5321 Domain: letters, digits, '-', '.', and '_' for
// names taken from certificates; UTF-8 (RFC 6531 U-labels) passes.
bool is_domain(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool ok = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_';
        if (!ok) return false;
    }
    return true;
}

bool is_ip_text(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
              c == ':'))
            return false;
    return true;
}

bool is_comment_text(const std::string& s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 32 || u == 127 || c == '(' || c == ')' || c == '\\') return false;
    }
    return true;
}

bool is_atom(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_atext(c) || static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

std::string rfc5322_date(std::chrono::system_clock::time_point time) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{}, {} {} {} {:02}:{:02}:{:02} +0000", days[tm.tm_wday], tm.tm_mday,
                       months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Expected<std::string, ImfError> format_received(const ReceivedInfo& info) {
    if (!is_ip_text(info.peer_address)) return bad("peer address is not a numeric IP address");
    if (!info.from_name.empty() && !is_domain(info.from_name)) return bad("unusable from name");
    if (!is_domain(info.by_name)) return bad("unusable by name");
    if (!is_atom(info.id)) return bad("id is not an atom");
    if (!info.for_address.empty() && !is_smtp_mailbox(info.for_address)) return bad("unusable for address");
    if (!is_comment_text(info.comment)) return bad("unusable comment");

    bool v6 = info.peer_address.find(':') != std::string::npos;
    std::string literal = fmt::format("[{}{}]", v6 ? "IPv6:" : "", info.peer_address);
    std::string out = "Received: from ";
    out += info.from_name.empty() ? literal : info.from_name;
    out += " (" + literal + ")\r\n\tby " + info.by_name;
    if (!info.comment.empty()) out += " (" + info.comment + ")";
    out += " with SMTPSEC id " + info.id;
    if (!info.for_address.empty()) out += "\r\n\tfor <" + info.for_address + ">";
    out += "; " + rfc5322_date(info.time) + "\r\n";
    return out;
}

}  // namespace smtpsec::imf

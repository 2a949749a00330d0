// See dsn.h.
#include "queue/dsn.h"

#include <fmt/core.h>

#include <ctime>

#include "imf/header_section.h"
#include "queue/status_code.h"

namespace smtpsec::queue {
namespace {

std::string_view header_section(std::string_view message) {
    if (auto parsed = imf::parse_message(message)) return message.substr(0, parsed->header_end);
    // Not expected (the milter checked it); quote up to the first empty line.
    auto end = message.find("\r\n\r\n");
    return end == std::string_view::npos ? message : message.substr(0, end + 2);
}

// "mx.b.test[127.0.0.1]:4650" -> "mx.b.test"
std::string remote_host(const std::string& server) {
    auto bracket = server.find('[');
    return one_ascii_line(bracket == std::string::npos ? server : server.substr(0, bracket), 255);
}

std::string boundary_for(const DsnRequest& r, std::string_view headers) {
    for (int n = 0;; ++n) {
        std::string b = fmt::format("{}.{}.{}/{}", r.envelope->id, r.now, n, "smtpsec-report");
        if (headers.find(b) == std::string_view::npos) return b;
    }
}

std::string human_part(const DsnRequest& r, const QueueSettings& s) {
    const Envelope& e = *r.envelope;
    std::string text = fmt::format("This is the mail system at host {}.\r\n\r\n", s.reporting_mta);
    if (r.action == DsnAction::delayed) {
        text += "####### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #######\r\n\r\n";
        text += fmt::format(
            "Your message could not be delivered for {:.1f} hours.\r\n"
            "It will be retried until it is {:.1f} days old.\r\n",
            static_cast<double>(r.now - e.arrival) / 3600.0,
            static_cast<double>(s.lifetime.count()) / 86400.0);
    } else {
        text +=
            "I'm sorry to have to inform you that your message could not\r\n"
            "be delivered to one or more recipients. It's attached below.\r\n";
    }
    text += "\r\n";
    for (auto i : r.recipients) {
        const auto& rc = e.recipients[i];
        text += fmt::format("<{}>: {}\r\n", one_ascii_line(rc.address, 500),
                            one_ascii_line(rc.last_error.empty() ? "no reason recorded" : rc.last_error));
    }
    return text;
}

std::string status_part(const DsnRequest& r, const QueueSettings& s) {
    const Envelope& e = *r.envelope;
    std::string text = fmt::format("Reporting-MTA: dns; {}\r\nX-Smtpsec-Queue-ID: {}\r\n", s.reporting_mta,
                                   e.id);
    if (!e.sender.empty())
        text += fmt::format("X-Smtpsec-Sender: rfc822; {}\r\n", one_ascii_line(e.sender, 500));
    text += fmt::format("Arrival-Date: {}\r\n", rfc5322_date(e.arrival));
    for (auto i : r.recipients) {
        const auto& rc = e.recipients[i];
        text += fmt::format("\r\nFinal-Recipient: rfc822; {}\r\n", one_ascii_line(rc.address, 500));
        bool delayed = r.action == DsnAction::delayed;
        std::string status = rc.status_code;
        if (delayed && (status.empty() || status[0] != '4')) status = std::string(delayed_status);
        if (!delayed && status.empty()) status = "5.0.0";
        text += fmt::format("Action: {}\r\nStatus: {}\r\n", delayed ? "delayed" : "failed", status);
        if (!rc.last_server.empty())
            text += fmt::format("Remote-MTA: dns; {}\r\n", remote_host(rc.last_server));
        if (!rc.last_error.empty())
            text += fmt::format("Diagnostic-Code: {}; {}\r\n",
                                rc.diagnostic_type.empty() ? "x-smtpsec" : rc.diagnostic_type,
                                one_ascii_line(rc.last_error));
        if (delayed)
            text += fmt::format("Will-Retry-Until: {}\r\n", rfc5322_date(e.arrival + s.lifetime.count()));
    }
    return text;
}

}  // namespace

std::string rfc5322_date(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", days[tm.tm_wday % 7], tm.tm_mday,
                       months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string one_ascii_line(std::string_view text, std::size_t max) {
    std::string out;
    for (char c : text) {
        if (out.size() >= max) break;
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u >= 0x7f) ? ' ' : c;
    }
    return out;
}

std::string build_dsn(const DsnRequest& r, const QueueSettings& s) {
    std::string_view headers = header_section(r.original);
    std::string boundary = boundary_for(r, headers);
    bool delayed = r.action == DsnAction::delayed;
    std::string m;
    m += fmt::format("From: Mail Delivery System <{}>\r\n", s.bounce_from);
    m += fmt::format("To: <{}>\r\n", r.to);
    m += fmt::format("Subject: {}\r\n",
                     delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender");
    m += fmt::format("Date: {}\r\n", rfc5322_date(r.now));
    m += fmt::format("Message-ID: <{}.{}.{}@{}>\r\n", r.envelope->id, delayed ? "delay" : "bounce", r.now,
                     s.reporting_mta);
    m += "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n";
    m += fmt::format(
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        "\tboundary=\"{}\"\r\n\r\n",
        boundary);
    m += "This is a MIME-encapsulated message.\r\n\r\n";
    m += fmt::format(
        "--{}\r\nContent-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
        boundary);
    m += human_part(r, s);
    m += fmt::format(
        "\r\n--{}\r\nContent-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n",
        boundary);
    m += status_part(r, s);
    m += fmt::format(
        "\r\n--{}\r\nContent-Description: {} Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n",
        boundary, delayed ? "Delayed" : "Undelivered");
    m += headers;
    if (!headers.empty() && !headers.ends_with("\r\n")) m += "\r\n";
    m += fmt::format("\r\n--{}--\r\n", boundary);
    return m;
}

}  // namespace smtpsec::queue

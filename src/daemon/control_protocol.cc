// See control_protocol.h.
#include "daemon/control_protocol.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace smtpsec::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, ControlCommand>, 5> kCommands{{
    {"status", ControlCommand::status},
    {"stats", ControlCommand::stats},
    {"reload", ControlCommand::reload},
    {"flush", ControlCommand::flush},
    {"queue", ControlCommand::queue},
}};

ControlRequest bad_control(std::string why) {
    ControlRequest r;
    r.state = ControlRequest::State::bad;
    r.error = "error: " + std::move(why) + "\n";
    return r;
}

HttpRequest bad_http(int status) {
    HttpRequest r;
    r.state = HttpRequest::State::bad;
    r.status = status;
    return r;
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Error";
}

bool visible_ascii(char c) { return c > 32 && c < 127; }

}  // namespace

std::string_view name_of(ControlCommand command) {
    for (const auto& [name, c] : kCommands)
        if (c == command) return name;
    return "status";
}

ControlRequest parse_control_request(std::string_view received) {
    const auto end = received.find('\n');
    if (end == std::string_view::npos) {
        if (received.size() >= kMaxControlRequest)
            return bad_control(fmt::format("request longer than {} bytes", kMaxControlRequest));
        for (char c : received)
            if (c != '\r' && !visible_ascii(c)) return bad_control("the request is not a command line");
        return {};
    }
    if (end >= kMaxControlRequest)
        return bad_control(fmt::format("request longer than {} bytes", kMaxControlRequest));
    std::string_view line = received.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (end + 1 != received.size()) return bad_control("one command per connection");
    for (char c : line)
        if (!visible_ascii(c)) return bad_control("the request is not a command line");
    for (const auto& [name, command] : kCommands) {
        if (line == name) {
            ControlRequest r;
            r.state = ControlRequest::State::complete;
            r.command = command;
            return r;
        }
    }
    // Only known words are echoed; the rest is named by its length.
    return bad_control(
        fmt::format("unknown command ({} bytes); known: status, stats, reload, flush, queue", line.size()));
}

HttpRequest parse_http_request(std::string_view received) {
    // The request line alone decides; the header fields are only skipped
    // (bounded), as nothing in them changes the answer.
    const auto line_end = received.find('\n');
    if (line_end == std::string_view::npos) {
        if (received.size() >= kMaxHttpRequest) return bad_http(414);
        return {};
    }
    std::string_view line = received.substr(0, line_end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad_http(400);
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    for (char c : line)
        if (c != ' ' && !visible_ascii(c)) return bad_http(400);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return bad_http(version.rfind("HTTP/", 0) == 0 ? 505 : 400);
    // The end of the header section: an empty line (CRLF, or a bare LF).
    const std::string_view rest = received.substr(line_end + 1);
    const bool ended = rest.rfind("\r\n", 0) == 0 || rest.rfind('\n', 0) == 0 ||
                       rest.find("\n\r\n") != std::string_view::npos ||
                       rest.find("\n\n") != std::string_view::npos;
    if (!ended) {
        if (received.size() >= kMaxHttpRequest) return bad_http(431);
        return {};
    }
    if (received.size() > kMaxHttpRequest) return bad_http(431);
    if (method != "GET") return bad_http(405);
    // "/metrics", with or without a query (Prometheus adds none by default).
    const auto path = target.substr(0, target.find('?'));
    if (path != "/metrics") return bad_http(404);
    HttpRequest r;
    r.state = HttpRequest::State::complete;
    return r;
}

std::string http_response(int status, std::string_view content_type, std::string_view body) {
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n", status,
        reason_phrase(status), content_type, body.size(), status == 405 ? "Allow: GET\r\n" : "");
    out.append(body);
    return out;
}

}  // namespace smtpsec::daemon

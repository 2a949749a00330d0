// The two small request languages smtpsecd answers besides mail: the
// control socket's commands (smtpsec-ctl) and the Prometheus endpoint's
// HTTP GET. Pure functions over the bytes received so far.
//
// Why pure and bounded: even the control socket (root and one group only)
// and the metrics port (loopback by default) are inputs we did not write.
// Each request is a few bytes: anything longer than its bound, not ASCII,
// or not one of the few forms known is answered with a specific error and
// the connection closed; nothing is allocated beyond the bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsec::daemon {

// ---- Control socket: one line "COMMAND\n", one answer, then close. ----
enum class ControlCommand { status, stats, reload, flush, queue };
std::string_view name_of(ControlCommand command);

inline constexpr std::size_t kMaxControlRequest = 64;

struct ControlRequest {
    enum class State { incomplete, complete, bad };
    State state = State::incomplete;
    ControlCommand command = ControlCommand::status;
    std::string error;  // when bad: the line to send back ("error: ...")
};

// `received`: every byte of the connection so far.
ControlRequest parse_control_request(std::string_view received);

// ---- Metrics endpoint: HTTP/1.0 or 1.1 "GET /metrics", then close. ----
inline constexpr std::size_t kMaxHttpRequest = 4096;

struct HttpRequest {
    enum class State { incomplete, complete, bad };
    State state = State::incomplete;
    int status = 200;  // when bad: 400, 404, 405, 414, 431, 505
};

HttpRequest parse_http_request(std::string_view received);

// A whole HTTP/1.1 response with Content-Length and Connection: close.
std::string http_response(int status, std::string_view content_type, std::string_view body);
// The Prometheus text format's content type (exposition format 0.0.4).
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace smtpsec::daemon

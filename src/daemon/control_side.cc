// See control_side.h.
#include "daemon/control_side.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "daemon/control_protocol.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "net/socket.h"

namespace smtpsec::daemon {

ControlSide::ControlSide(event::Loop& loop, Actions actions) : loop_(loop), actions_(std::move(actions)) {}

ControlSide::~ControlSide() {
    control_.reset();
    if (!control_path_.empty()) ::unlink(control_path_.c_str());
}

void ControlSide::bind_metrics(const ControlConfig& config) {
    if (config.metrics_address.port == 0) return;
    auto at = net::Endpoint::parse(config.metrics_address.host, config.metrics_address.port);
    if (!at) throw std::runtime_error(fmt::format("[control] metrics_address: {}", at.error()));
    auto fd = net::listen_on(*at, 16);
    if (!fd)
        throw std::runtime_error(
            fmt::format("[control] metrics_address {}: {}", at->to_string(), fd.error()));
    RequestServer::Limits limits;
    limits.max_connections = config.metrics_max_connections;
    limits.max_request = kMaxHttpRequest;
    limits.timeout_seconds = 10;
    metrics_ = std::make_unique<RequestServer>(
        loop_, std::move(*fd), limits,
        [this](std::string_view received) -> std::optional<std::string> {
            const auto request = parse_http_request(received);
            if (request.state == HttpRequest::State::incomplete) return std::nullopt;
            if (request.state == HttpRequest::State::bad)
                return http_response(
                    request.status, "text/plain; charset=utf-8",
                    fmt::format("{}\n", request.status == 404 ? "try /metrics" : "bad request"));
            actions_.refresh_gauges();
            return http_response(200, kPrometheusContentType, metrics::prometheus_text());
        },
        http_response(408, "text/plain; charset=utf-8", "request timeout\n"));
    metrics_address_ = at->to_string();
}

void ControlSide::bind_control(const ControlConfig& config) {
    if (config.socket.empty()) return;
    const auto dir = std::filesystem::path(config.socket).parent_path();
    struct stat st {};
    if (!config.socket_set && ::stat(dir.c_str(), &st) != 0) {
        log::warning(
            "no control socket: {} does not exist (systemd makes it for the unit; set [control] socket "
            "to another path, or to \"\" to say none)",
            dir.string());
        return;
    }
    net::UniqueFd fd;
    try {
        fd = listen_unix(config.socket, config.socket_mode, config.socket_group);
    } catch (const std::exception& e) {
        if (config.socket_set) throw std::runtime_error(fmt::format("[control] socket {}", e.what()));
        log::warning("no control socket: {}", e.what());
        return;
    }
    control_path_ = config.socket;
    RequestServer::Limits limits;
    limits.max_connections = 16;
    limits.max_request = kMaxControlRequest;
    limits.timeout_seconds = 10;
    control_ = std::make_unique<RequestServer>(
        loop_, std::move(fd), limits,
        [this](std::string_view received) -> std::optional<std::string> {
            bool complete = false;
            std::string text = answer(received, complete);
            if (!complete) return std::nullopt;
            return text;
        },
        "error: request timeout\n");
}

void ControlSide::start() {
    if (control_) control_->start();
    if (metrics_) metrics_->start();
}

std::string ControlSide::answer(std::string_view received, bool& complete) {
    const auto request = parse_control_request(received);
    complete = request.state != ControlRequest::State::incomplete;
    if (request.state == ControlRequest::State::incomplete) return {};
    if (request.state == ControlRequest::State::bad) return request.error;
    switch (request.command) {
    case ControlCommand::status: return actions_.status();
    case ControlCommand::stats: actions_.refresh_gauges(); return metrics::stats_text();
    case ControlCommand::reload: return actions_.reload();
    case ControlCommand::flush: return actions_.flush();
    case ControlCommand::queue: return actions_.queue();
    }
    return "error: unknown command\n";
}

}  // namespace smtpsec::daemon

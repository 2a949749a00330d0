// The operator's view of a running smtpsecd: the control socket that
// smtpsec-ctl talks to (status, stats, reload, flush, queue) and the
// optional Prometheus endpoint (man/smtpsec-ctl.8, [control] in
// man/smtpsecd.conf.5).
//
// Why on the loop: the answers read the queue, the listener and the
// configuration, which live on the loop; a reload asked here is the same
// reload as SIGHUP. The servers themselves are bounded (request_server.h)
// and parse with control_protocol.h.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>

#include "daemon/config.h"
#include "daemon/request_server.h"
#include "event/loop.h"

namespace smtpsec::daemon {

class ControlSide {
public:
    // What the commands need from the gateway (all called on the loop).
    struct Actions {
        std::function<std::string()> status;   // the body of `status`, without the counters
        std::function<std::string()> reload;   // reloads; "reload done" or "reload refused: ..."
        std::function<std::string()> flush;    // makes every pending recipient due
        std::function<std::string()> queue;    // the body of `queue`
        std::function<void()> refresh_gauges;  // before stats and scrapes
    };

    ControlSide(event::Loop& loop, Actions actions);
    ~ControlSide();

    // Binds the metrics endpoint, if configured (before privileges are
    // dropped: any port). Throws std::runtime_error.
    void bind_metrics(const ControlConfig& config);
    // Creates the control socket (after privileges are dropped: it belongs
    // to the daemon's user). A socket the file did not name whose directory
    // is missing (no systemd RuntimeDirectory) is skipped with a warning;
    // any other failure throws std::runtime_error.
    void bind_control(const ControlConfig& config);
    void start();

    std::string control_path() const { return control_path_; }
    std::string metrics_address() const { return metrics_address_; }

    // The answer to one command (tests drive it without a socket).
    std::string answer(std::string_view received, bool& complete);

private:
    event::Loop& loop_;
    Actions actions_;
    std::unique_ptr<RequestServer> control_;
    std::unique_ptr<RequestServer> metrics_;
    std::string control_path_;     // bound by us: removed at the end
    std::string metrics_address_;  // "" when off
};

}  // namespace smtpsec::daemon

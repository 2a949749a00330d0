// smtpsecd at run time: one libev loop holding the DNS resolver, the
// SMTPsec listener, the outbound Deliverers and the queue runner, plus the
// milter on libmilter's own threads.
//
// Why one object: start-up, reload and drain must treat every part the same
// way. Start-up binds every socket before privileges are dropped and fails
// as a whole (nothing half-started). SIGHUP reloads what can change without
// dropping connections (certificates, keys, trust policy, limits, timeouts,
// milter and queue settings, sender policy, log level) and refuses a bad new
// config, keeping the old one; settings that name sockets or directories need
// a restart, and the log says so. SIGTERM drains: the milter and listener
// stop accepting, work in flight finishes, then the process exits.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "daemon/config.h"
#include "daemon/forward_store.h"
#include "daemon/pid_file.h"
#include "daemon/signers.h"
#include "dns/resolver.h"
#include "event/loop.h"
#include "event/signal_watcher.h"
#include "event/timer.h"
#include "inbound/listener.h"
#include "inbound/smtp_local_delivery.h"
#include "mta/injector.h"

namespace smtpsec::daemon {

class ControlSide;
class MilterSide;
class QueueSide;

class Gateway {
public:
    // Builds everything, binds the listener, writes the pid file, drops
    // privileges, then opens the spool and the milter socket as the daemon's
    // user. Throws std::runtime_error with the reason on any start-up failure.
    explicit Gateway(Config config);
    ~Gateway();

    // Starts the milter and the queue, calls `ready` and runs until drained. Returns
    // the exit status.
    int run(const std::function<void()>& ready);

private:
    void build_inbound();
    // SIGHUP and smtpsec-ctl reload: "reload done: ..." or "reload refused: ...".
    std::string reload();
    // smtpsec-ctl status and queue; the gauges read at each scrape.
    std::string status_text() const;
    std::string queue_text() const;
    void refresh_gauges() const;
    void drain();
    void check_drained();
    void log_warnings(const Config& config) const;

    Config config_;
    event::Loop loop_;
    std::unique_ptr<dns::Resolver> resolver_;
    std::shared_ptr<const tls::AuthPolicy> policy_;
    std::unique_ptr<Signers> signers_;
    std::vector<std::unique_ptr<Signers>> retired_signers_;

    // Forwarding with the origin's signature (docs/forwarding.md): the
    // store the listener records into and the milter reads; null when off.
    // Declared before the listener and the milter, so it outlives both.
    std::shared_ptr<ForwardStore> forward_;
    std::unique_ptr<event::Timer> forward_clean_;

    // Inbound: listener -> origin authentication -> SMTP injector -> the MTA.
    inbound::InboundSettings inbound_settings_;
    std::vector<std::unique_ptr<mta::Injector>> injectors_;
    std::unique_ptr<inbound::SmtpLocalDelivery> local_delivery_;
    std::unique_ptr<inbound::OriginAuthenticator> authenticator_;
    std::unique_ptr<inbound::InboundContext> inbound_context_;
    std::unique_ptr<inbound::Listener> listener_;
    std::uint64_t next_inbound_id_ = 0;

    std::unique_ptr<QueueSide> queue_;
    std::unique_ptr<MilterSide> milter_;
    std::unique_ptr<ControlSide> control_;
    std::int64_t started_at_ = 0;  // unix seconds
    std::string last_reload_;      // "done", "refused"; "" none yet (status)
    std::int64_t last_reload_at_ = 0;

    event::SignalWatcher on_hup_;
    event::SignalWatcher on_term_;
    event::SignalWatcher on_int_;
    event::SignalWatcher on_usr1_;
    event::Timer drain_check_;
    bool draining_ = false;
    double drain_started_ = 0;
    static constexpr double kDrainLimitSeconds = 30;
    PidFile pid_file_;
};

}  // namespace smtpsec::daemon

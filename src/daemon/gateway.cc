// See gateway.h.
#include "daemon/gateway.h"

#include <algorithm>

#include <fmt/format.h>
#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "daemon/control_side.h"
#include "daemon/layer_settings.h"
#include "daemon/milter_side.h"
#include "daemon/privileges.h"
#include "daemon/queue_side.h"
#include "daemon/service_notify.h"
#include "daemon/trust_age.h"
#include "log/log.h"
#include "metrics/metrics.h"

namespace smtpsec::daemon {
namespace {

net::Endpoint endpoint_of(const HostPort& at) {
    auto e = net::Endpoint::parse(at.host, at.port);
    if (!e) throw std::runtime_error(fmt::format("{}: {}", at.to_string(), e.error()));
    return *e;
}

// Settings a reload cannot change in place; said in the log.
std::vector<std::string> needs_restart(const Config& old, const Config& now) {
    std::vector<std::string> out;
    if (old.milter.socket.spec != now.milter.socket.spec) out.push_back("[milter] socket");
    if (old.listener.addresses != now.listener.addresses) out.push_back("[listener] addresses");
    if (old.queue.directory != now.queue.directory) out.push_back("[queue] directory");
    if (old.dns.trust_anchor != now.dns.trust_anchor || old.dns.forwarders != now.dns.forwarders ||
        old.dns.unbound_config != now.dns.unbound_config || old.dns.timeout != now.dns.timeout)
        out.push_back("[dns]");
    if (old.reinject.address != now.reinject.address ||
        old.reinject.inbound_address != now.reinject.inbound_address ||
        old.reinject.secure_address != now.reinject.secure_address ||
        old.reinject.helo_name != now.reinject.helo_name)
        out.push_back("[reinject]");
    if (old.daemon.user != now.daemon.user || old.daemon.group != now.daemon.group ||
        old.daemon.pid_file != now.daemon.pid_file)
        out.push_back("[daemon]");
    if (old.control.socket != now.control.socket || old.control.socket_mode != now.control.socket_mode ||
        old.control.socket_group != now.control.socket_group ||
        old.control.metrics_address != now.control.metrics_address ||
        old.control.metrics_max_connections != now.control.metrics_max_connections)
        out.push_back("[control]");
    return out;
}

}  // namespace

Gateway::Gateway(Config config)
    : config_(std::move(config)),
      on_hup_(loop_, SIGHUP, [this] { reload(); }),
      on_term_(loop_, SIGTERM, [this] { drain(); }),
      on_int_(loop_, SIGINT, [this] { drain(); }),
      on_usr1_(loop_, SIGUSR1,
               [this] {
                   if (queue_) queue_->rescan();
               }),
      drain_check_(loop_, [this] { check_drained(); }) {
    log_warnings(config_);
    resolver_ = std::make_unique<dns::Resolver>(loop_, config_.dns.resolver_config());
    policy_ = auth_policy(config_);
    if (!policy_->has_ct_logs())
        log::warning(
            "no CT log list: only peers authenticated by DANE-EE (TLSA 3 x x) can be "
            "accepted, in both directions");
    signers_ = std::make_unique<Signers>(loop_, *resolver_, config_.signing, policy_,
                                         outbound_timeouts(config_));
    // A few connections to the MTA, so that Emails arriving on different
    // SMTPsec connections are re-injected in parallel (the MTA's fsync per
    // message would otherwise serialise every peer behind one connection).
    constexpr int kInjectors = 4;
    for (int i = 0; i < kInjectors; ++i)
        injectors_.push_back(std::make_unique<mta::Injector>(
            loop_, injector_config(config_, config_.reinject.inbound_address)));
    build_inbound();
    started_at_ = std::time(nullptr);
    control_ = std::make_unique<ControlSide>(
        loop_, ControlSide::Actions{[this] { return status_text(); }, [this] { return reload() + "\n"; },
                                    [this] {
                                        queue_->flush();
                                        return fmt::format("flush: {} recipients due now\n",
                                                           queue_->summary(false).pending_recipients);
                                    },
                                    [this] { return queue_text(); }, [this] { refresh_gauges(); }});
    control_->bind_metrics(config_.control);
    // Privileges go once the listener is bound (a port below 1024 needs
    // root), before the spool and the milter socket are opened: both belong
    // to the daemon's user (the spool 0700, the Debian socket directory
    // smtpsec:postfix 0750), and a root held by a capability bounding set
    // without CAP_DAC_OVERRIDE (a unit's sandbox) could not open them.
    // The pid file goes first, where root may write (/run).
    pid_file_ = PidFile(config_.daemon.pid_file);
    if (!config_.daemon.user.empty()) {
        const auto account = lookup_account(config_.daemon.user, config_.daemon.group);
        give_to(config_.queue.directory, account);
        drop_privileges(account);
    }
    queue_ = std::make_unique<QueueSide>(loop_, config_, *signers_);
    if (!config_.milter.forward_daemon.empty()) {
        // After the privileges drop: the store belongs to the daemon's user.
        forward_ = std::make_shared<ForwardStore>(
            config_.queue.directory,
            ForwardLimits{std::chrono::duration_cast<std::chrono::seconds>(config_.queue.forward_max_age),
                          config_.queue.forward_max_bytes});
        inbound_context_->forward = forward_.get();
        forward_clean_ = std::make_unique<event::Timer>(loop_, [this] {
            if (auto n = forward_->clean()) log::info("forward store: {} expired record(s) removed", n);
        });
        forward_clean_->start(event::Timer::Seconds(3600), event::Timer::Seconds(3600));
    }
    milter_ = std::make_unique<MilterSide>(loop_, config_, *resolver_, *queue_, forward_);
    control_->bind_control(config_.control);
}

Gateway::~Gateway() = default;

void Gateway::build_inbound() {
    inbound_settings_ = inbound_settings(config_);
    std::vector<mta::Injector*> pool;
    for (auto& injector : injectors_) pool.push_back(injector.get());
    local_delivery_ = std::make_unique<inbound::SmtpLocalDelivery>(std::move(pool));
    authenticator_ = std::make_unique<inbound::OriginAuthenticator>(*resolver_, policy_);
    inbound_context_ = std::make_unique<inbound::InboundContext>(inbound::InboundContext{
        loop_, inbound_settings_, *authenticator_, *local_delivery_, [this] {
            auto now = std::chrono::system_clock::now().time_since_epoch();
            return fmt::format("{:X}{:05X}", std::chrono::duration_cast<std::chrono::seconds>(now).count(),
                               ++next_inbound_id_ & 0xFFFFF);
        }});
    inbound_context_->on_authorisation = [](const inbound::RecipientAuthorisation& a) {
        metrics::count(a.rule == inbound::SenderRule::refuse ? metrics::InboundAuthorisation::refuse
                                                             : metrics::InboundAuthorisation::allow);
    };
    if (config_.listener.addresses.empty()) return;
    const auto& lc = config_.listener;
    // D7: by default one source may hold a tenth of the connections.
    const std::size_t per_source = lc.max_connections_per_source != 0
                                       ? lc.max_connections_per_source
                                       : std::max<std::size_t>(1, lc.max_connections / 10);
    listener_ = std::make_unique<inbound::Listener>(*inbound_context_, lc.max_connections, per_source);
    for (const auto& at : config_.listener.addresses) {
        auto bound = listener_->listen(endpoint_of(at));
        if (!bound) throw std::runtime_error(fmt::format("[listener] {}: {}", at.to_string(), bound.error()));
    }
}

int Gateway::run(const std::function<void()>& ready) {
    for (auto* w : {&on_hup_, &on_term_, &on_int_, &on_usr1_}) w->start();
    queue_->start();
    milter_->start();
    control_->start();
    log::info("smtpsecd started: signing for {}, milter on {}",
              signers_->domains().empty() ? std::string("no domain")
                                          : fmt::format("{}", fmt::join(signers_->domains(), ", ")),
              config_.milter.socket.spec);
    ready();
    loop_.run();
    milter_->join();
    log::info("smtpsecd stopped");
    return 0;
}

void Gateway::log_warnings(const Config& config) const {
    for (const auto& w : config.warnings) log::warning("{}", w.to_string());
}

std::string Gateway::reload() {
    if (draining_) return "reload refused: smtpsecd is stopping";
    log::info("SIGHUP: reloading {}", config_.file);
    // systemd (Type=notify) waits for the READY=1 that follows, whatever the outcome.
    notify_service_manager("RELOADING=1");
    struct Ready {
        ~Ready() { notify_service_manager("READY=1"); }
    } ready_again;
    auto loaded = load_config(config_.file);
    if (!loaded) {
        for (const auto& p : loaded.error()) log::error("{}", p.to_string());
        log::error("reload refused: {} has {} problem(s); the running configuration is kept", config_.file,
                   loaded.error().size());
        metrics::count(metrics::Reload::refused);
        std::string out = fmt::format(
            "reload refused: {} has {} problem(s); the running configuration is kept", config_.file,
            loaded.error().size());
        for (const auto& p : loaded.error()) out += "\n" + p.to_string();
        last_reload_ = "refused";
        last_reload_at_ = std::time(nullptr);
        return out;
    }
    Config next = std::move(*loaded);
    std::string result;
    for (const auto& what : needs_restart(config_, next))
        log::warning("reload: {} changed; it takes effect at the next restart", what);
    try {
        // Build everything new first: a failure leaves the old objects in place.
        auto policy = auth_policy(next);
        auto signers = std::make_unique<Signers>(loop_, *resolver_, next.signing, policy,
                                                 outbound_timeouts(next));
        auto settings = inbound_settings(next);
        if (next.listener.addresses.empty() != config_.listener.addresses.empty())
            settings.credentials = inbound_settings_.credentials;
        milter_->check(next);
        // Commit.
        policy_ = policy;
        authenticator_->set_policy(policy_);
        retired_signers_.push_back(std::move(signers_));
        signers_ = std::move(signers);
        inbound_settings_ = std::move(settings);
        queue_->reload(next, *signers_);
        milter_->reload(next);
        log::set_min_level(next.log.level);
        log_warnings(next);
        // Keep what needs a restart as it runs now.
        next.milter.socket = config_.milter.socket;
        next.listener.addresses = config_.listener.addresses;
        next.queue.directory = config_.queue.directory;
        next.dns = config_.dns;
        next.reinject.address = config_.reinject.address;
        next.reinject.inbound_address = config_.reinject.inbound_address;
        next.reinject.secure_address = config_.reinject.secure_address;
        next.reinject.helo_name = config_.reinject.helo_name;
        next.daemon = config_.daemon;
        next.control = config_.control;
        config_ = std::move(next);
        log::info("reload done: signing for {}", fmt::join(signers_->domains(), ", "));
        result = fmt::format("reload done: signing for {}", fmt::join(signers_->domains(), ", "));
        metrics::count(metrics::Reload::done);
        last_reload_ = "done";
        last_reload_at_ = std::time(nullptr);
    } catch (const std::exception& e) {
        log::error("reload refused: {}; the running configuration is kept", e.what());
        result = fmt::format("reload refused: {}; the running configuration is kept", e.what());
        metrics::count(metrics::Reload::refused);
        last_reload_ = "refused";
        last_reload_at_ = std::time(nullptr);
    }
    // Identities replaced earlier go once their deliveries have finished.
    std::erase_if(retired_signers_, [](const auto& s) { return s->idle(); });
    return result;
}

void Gateway::drain() {
    if (draining_) return;
    draining_ = true;
    notify_service_manager("STOPPING=1");
    log::info("draining: no new connections; finishing what is in flight");
    // The listening sockets close first: from here a connect is refused.
    if (listener_) listener_->stop_accepting();
    milter_->stop();
    queue_->drain();
    drain_started_ = loop_.now();
    drain_check_.start(event::Timer::Seconds(0.2), event::Timer::Seconds(0.2));
}

void Gateway::check_drained() {
    std::erase_if(retired_signers_, [](const auto& s) { return s->idle(); });
    const bool inbound_busy = listener_ && listener_->connections() > 0;
    const bool busy = inbound_busy || !queue_->drained() || !milter_->stopped();
    // An SMTPsec client that keeps an idle connection open is not waited for
    // beyond the limit; nothing is lost: an Email not yet answered is sent
    // again by its client, and the queue's entries stay on disk.
    if (busy && loop_.now() - drain_started_ < kDrainLimitSeconds) return;
    if (busy)
        log::warning("drain: stopping after {} s with work in flight (it stays queued)", kDrainLimitSeconds);
    drain_check_.stop();
    for (auto* w : {&on_hup_, &on_term_, &on_int_, &on_usr1_}) w->stop();
    loop_.break_loop();
}

namespace {

std::string utc(std::int64_t t) {
    std::tm tm{};
    const std::time_t tt = t;
    ::gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

void Gateway::refresh_gauges() const {
    const auto q = queue_->summary(false);
    metrics::gauge_set(metrics::Gauge::queue_entries, static_cast<std::int64_t>(q.entries));
    metrics::gauge_set(
        metrics::Gauge::queue_oldest_age,
        q.oldest_arrival == 0 ? 0 : std::max<std::int64_t>(0, std::time(nullptr) - q.oldest_arrival));
    metrics::gauge_set(metrics::Gauge::connections_inbound,
                       listener_ ? static_cast<std::int64_t>(listener_->connections()) : 0);
}

// One "key: value" line each, stable for scripts (man/smtpsec-ctl.8).
std::string Gateway::status_text() const {
    const auto now = std::time(nullptr);
    const auto q = queue_->summary(false);
    std::string out;
    auto line = [&](std::string_view key, const std::string& value) {
        fmt::format_to(std::back_inserter(out), "{}: {}\n", key, value);
    };
    line("smtpsecd", fmt::format("{} running, pid {}", SMTPSEC_VERSION, ::getpid()));
    line("state", draining_ ? "draining" : "running");
    line("started", fmt::format("{} ({} s ago)", utc(started_at_), now - started_at_));
    line("mode", config_.milter.mode == MilterMode::monitor
                     ? "monitor (nothing taken over, held or refused; the MTA delivers all mail by SMTP)"
                     : "enforce");
    line("config", config_.file);
    line("last reload",
         last_reload_.empty() ? std::string("none") : last_reload_ + " at " + utc(last_reload_at_));
    line("signing", signers_->domains().empty() ? std::string("none")
                                                : fmt::format("{}", fmt::join(signers_->domains(), ", ")));
    line("milter", config_.milter.socket.spec);
    std::vector<std::string> addresses;
    for (const auto& a : config_.listener.addresses) addresses.push_back(a.to_string());
    line("listener", addresses.empty() ? std::string("off")
                                       : fmt::format("{}, {} connection(s) open", fmt::join(addresses, " "),
                                                     listener_ ? listener_->connections() : 0));
    line("outbound connections", std::to_string(metrics::gauge(metrics::Gauge::connections_outbound)));
    line("control", control_->control_path().empty() ? "off" : control_->control_path());
    line("metrics",
         control_->metrics_address().empty() ? "off" : "http://" + control_->metrics_address() + "/metrics");
    line("queue",
         fmt::format("{} message(s), {} held, {} recipient(s) pending, oldest {} s", q.entries, q.held,
                     q.pending_recipients, q.oldest_arrival == 0 ? 0 : now - q.oldest_arrival));
    // Trust material that goes stale without failing at once (trust_age.h).
    const auto trust = trust_material_age(config_, std::chrono::system_clock::now());
    if (trust.ct_log_list)
        line("ct log list", fmt::format("{}, version {}, {} day(s) old", trust.ct_log_list->file,
                                        trust.ct_log_list->version.empty() ? "-" : trust.ct_log_list->version,
                                        trust.ct_log_list->age.count() / 86400));
    else
        line("ct log list", "none (DANE only)");
    for (const auto& c : trust.certificates)
        line("certificate",
             fmt::format("{} {}: {} day(s) left", c.role, c.file, c.remaining.count() / 86400));
    line("trust anchor",
         trust.trust_anchor_stale ? "stale: " + *trust.trust_anchor_stale : std::string("current"));
    return out;
}

std::string Gateway::queue_text() const {
    const auto now = std::time(nullptr);
    const auto q = queue_->summary(true);
    std::string out = fmt::format("messages: {}\nheld: {}\nrecipients pending: {}\noldest: {} s\n", q.entries,
                                  q.held, q.pending_recipients,
                                  q.oldest_arrival == 0 ? 0 : now - q.oldest_arrival);
    // The domains with the most recipients waiting; `smtpsec-queue list` shows every entry.
    std::vector<std::pair<std::size_t, std::string>> domains;
    for (const auto& [domain, n] : q.pending_by_domain) domains.emplace_back(n, domain);
    std::sort(domains.begin(), domains.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < domains.size() && i < kShown; ++i)
        fmt::format_to(std::back_inserter(out), "domain {}: {} pending\n", domains[i].second,
                       domains[i].first);
    if (domains.size() > kShown)
        fmt::format_to(std::back_inserter(out), "({} more domains)\n", domains.size() - kShown);
    return out;
}

}  // namespace smtpsec::daemon

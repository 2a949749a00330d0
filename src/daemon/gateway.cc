// See gateway.h.
#include "daemon/gateway.h"

#include <algorithm>

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <stdexcept>

#include "daemon/layer_settings.h"
#include "daemon/milter_side.h"
#include "daemon/privileges.h"
#include "daemon/queue_side.h"
#include "daemon/service_notify.h"
#include "log/log.h"

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
    if (old.reinject.address != now.reinject.address || old.reinject.inbound_address != now.reinject.inbound_address ||
        old.reinject.helo_name != now.reinject.helo_name)
        out.push_back("[reinject]");
    if (old.daemon.user != now.daemon.user || old.daemon.group != now.daemon.group ||
        old.daemon.pid_file != now.daemon.pid_file)
        out.push_back("[daemon]");
    return out;
}

}  // namespace

Gateway::Gateway(Config config)
    : config_(std::move(config)),
      on_hup_(loop_, SIGHUP, [this] { reload(); }),
      on_term_(loop_, SIGTERM, [this] { drain(); }),
      on_int_(loop_, SIGINT, [this] { drain(); }),
      on_usr1_(loop_, SIGUSR1, [this] { if (queue_) queue_->rescan(); }),
      drain_check_(loop_, [this] { check_drained(); }) {
    log_warnings(config_);
    resolver_ = std::make_unique<dns::Resolver>(loop_, config_.dns.resolver_config());
    policy_ = auth_policy(config_);
    if (!policy_->has_ct_logs())
        log::warning("no CT log list: only peers authenticated by DANE-EE (TLSA 3 x x) can be "
                     "accepted, in both directions");
    signers_ = std::make_unique<Signers>(loop_, *resolver_, config_.signing, policy_, outbound_timeouts(config_));
    // A few connections to the MTA, so that Emails arriving on different
    // SMTPsec connections are re-injected in parallel (the MTA's fsync per
    // message would otherwise serialise every peer behind one connection).
    constexpr int kInjectors = 4;
    for (int i = 0; i < kInjectors; ++i)
        injectors_.push_back(std::make_unique<mta::Injector>(loop_, injector_config(config_, config_.reinject.inbound_address)));
    build_inbound();
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
    milter_ = std::make_unique<MilterSide>(loop_, config_, *resolver_, *queue_);
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
    log::info("smtpsecd started: signing for {}, milter on {}",
              signers_->domains().empty() ? std::string("no domain") : fmt::format("{}", fmt::join(signers_->domains(), ", ")),
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

void Gateway::reload() {
    if (draining_) return;
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
        return;
    }
    Config next = std::move(*loaded);
    for (const auto& what : needs_restart(config_, next))
        log::warning("reload: {} changed; it takes effect at the next restart", what);
    try {
        // Build everything new first: a failure leaves the old objects in place.
        auto policy = auth_policy(next);
        auto signers = std::make_unique<Signers>(loop_, *resolver_, next.signing, policy, outbound_timeouts(next));
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
        next.reinject.helo_name = config_.reinject.helo_name;
        next.daemon = config_.daemon;
        config_ = std::move(next);
        log::info("reload done: signing for {}", fmt::join(signers_->domains(), ", "));
    } catch (const std::exception& e) {
        log::error("reload refused: {}; the running configuration is kept", e.what());
    }
    // Identities replaced earlier go once their deliveries have finished.
    std::erase_if(retired_signers_, [](const auto& s) { return s->idle(); });
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
    if (busy) log::warning("drain: stopping after {} s with work in flight (it stays queued)", kDrainLimitSeconds);
    drain_check_.stop();
    for (auto* w : {&on_hup_, &on_term_, &on_int_, &on_usr1_}) w->stop();
    loop_.break_loop();
}

}  // namespace smtpsec::daemon

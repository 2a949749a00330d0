// See milter_side.h.
#include "daemon/milter_side.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "log/log.h"

namespace smtpsec::daemon {
namespace {

milter::FailureAction action_of(FailureAction a) {
    switch (a) {
    case FailureAction::accept: return milter::FailureAction::accept;
    case FailureAction::reject: return milter::FailureAction::reject;
    case FailureAction::tempfail: break;
    }
    return milter::FailureAction::tempfail;
}

milter::DomainVerdict verdict_of(dns::Verdict v) {
    switch (v) {
    case dns::Verdict::smtpsec: return milter::DomainVerdict::smtpsec;
    case dns::Verdict::none_secure: return milter::DomainVerdict::none_secure;
    case dns::Verdict::none_insecure: return milter::DomainVerdict::none_insecure;
    case dns::Verdict::defer: break;
    }
    return milter::DomainVerdict::defer;
}

}  // namespace

std::shared_ptr<const milter::MilterSettings> milter_settings(const Config& config) {
    const auto& m = config.milter;
    auto s = std::make_shared<milter::MilterSettings>();
    s->mode = m.mode == MilterMode::monitor ? milter::Mode::monitor : milter::Mode::enforce;
    s->socket = m.socket.spec;
    s->socket_mode = m.socket_mode;
    s->socket_group = m.socket_group;
    for (const auto& id : config.signing) s->signing_domains.insert(id.domain);
    s->takeover_mailers = m.takeover_mailers;
    s->never_takeover_domains = m.never_takeover_domains;
    s->require_smtpsec_header = m.require_smtpsec_header;
    s->authserv_id = config.listener.authserv_id;
    s->require_smtpsec_daemons = m.require_smtpsec_daemons;
    s->forward_daemon = m.forward_daemon;
    s->require_smtpsec_senders = m.require_smtpsec_senders;
    s->unauthenticated = m.unauthenticated_senders == UnauthenticatedRule::reject
                             ? milter::UnauthenticatedRule::reject
                             : milter::UnauthenticatedRule::allow;
    if (!m.sender_policy_file.empty()) {
        auto policy = milter::load_sender_policy(m.sender_policy_file);
        if (!policy)
            throw std::runtime_error(fmt::format("sender policy: {}", fmt::join(policy.error(), "; ")));
        s->sender_policy = std::make_shared<const milter::SenderPolicy>(std::move(*policy));
    }
    s->on_internal_error = action_of(m.on_internal_error);
    s->on_queue_error = action_of(m.on_queue_error);
    s->on_dns_error = action_of(m.on_dns_error);
    s->timeout = std::chrono::duration_cast<std::chrono::seconds>(m.timeout);
    s->verdict_wait = m.verdict_wait;
    return s;
}

MilterSide::MilterSide(event::Loop& loop, const Config& config, dns::Resolver& resolver,
                       milter::Intake& intake, std::shared_ptr<const milter::ForwardLookup> forward)
    : resolver_(resolver),
      milter_(*this, intake),
      notifier_(loop, [this] { start_lookups(); }),
      forward_(std::move(forward)) {
    auto opened = milter_.open(with_forward(milter_settings(config)));
    if (!opened)
        throw std::runtime_error(
            fmt::format("[milter] socket {}: {}", config.milter.socket.spec, opened.error()));
    const std::string& spec = config.milter.socket.spec;
    for (std::string prefix : {"local:", "unix:"})
        if (spec.starts_with(prefix)) socket_path_ = spec.substr(prefix.size());
}

std::shared_ptr<const milter::MilterSettings> MilterSide::with_forward(
    const std::shared_ptr<const milter::MilterSettings>& settings) const {
    auto s = std::make_shared<milter::MilterSettings>(*settings);
    s->forward = forward_;
    return s;
}

MilterSide::~MilterSide() {
    stop();
    join();
}

void MilterSide::start() {
    // The milter's threads must leave the daemon's signals to the loop.
    sigset_t set, old;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    thread_ = std::thread([this] {
        if (!milter_.run()) log::error("milter: libmilter stopped with an error");
        finished_ = true;
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void MilterSide::stop() {
    if (thread_.joinable() && !finished_) milter::Milter::stop();
}

void MilterSide::join() {
    if (!thread_.joinable()) return;
    thread_.join();
    // A stale socket file would make the MTA's next connect fail with
    // "connection refused" instead of "no such file" while we are down.
    struct stat st {};
    if (!socket_path_.empty() && ::lstat(socket_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        ::unlink(socket_path_.c_str());
}

std::shared_ptr<milter::PendingVerdict> MilterSide::lookup(const std::string& domain) {
    auto pending = std::make_shared<milter::PendingVerdict>();
    {
        std::lock_guard lock(mutex_);
        requests_.emplace_back(domain, pending);
    }
    notifier_.notify();
    return pending;
}

void MilterSide::start_lookups() {
    std::deque<std::pair<std::string, std::shared_ptr<milter::PendingVerdict>>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(requests_);
    }
    // Each lookup is the milter thread's own: a fault starting one (no
    // memory, a name the resolver throws on) answers that thread with
    // defer (its on_dns_error action) and stops neither the other lookups
    // nor the loop (event/fault_guard.h).
    for (auto& [domain, pending] : batch) {
        try {
            resolver_.discover(domain, [pending = pending](const dns::Discovery& d) {
                pending->set(verdict_of(d.verdict), d.reason);
            });
        } catch (const std::exception& e) {
            log::error("milter: lookup of {}: internal fault: {}", domain, e.what());
            pending->set(milter::DomainVerdict::defer, std::string("internal fault: ") + e.what());
        }
    }
}

}  // namespace smtpsec::daemon

// See queue_side.h.
#include "daemon/queue_side.h"

#include <fmt/format.h>

#include "daemon/layer_settings.h"
#include "log/log.h"
#include "outbound/outcome.h"
#include "queue/forward_copy.h"

namespace smtpsec::daemon {

queue::QueueSettings queue_settings(const Config& config) {
    using std::chrono::duration_cast;
    using S = queue::QueueSettings::Seconds;
    const auto& q = config.queue;
    queue::QueueSettings s;
    s.retry_min = duration_cast<S>(q.retry_min);
    s.retry_max = duration_cast<S>(q.retry_max);
    s.lifetime = duration_cast<S>(q.lifetime);
    s.delay_warning = duration_cast<S>(q.delay_warning);
    s.destination_concurrency = q.destination_concurrency;
    s.delivery_memory = q.delivery_memory;
    s.bounce_from = q.bounce_from;
    s.postmaster = q.postmaster;
    s.reporting_mta = config.reinject.helo_name;
    return s;
}

QueueSide::QueueSide(event::Loop& loop, const Config& config, Signers& signers)
    : loop_(loop),
      signers_(&signers),
      spool_(config.queue.directory),
      injector_(loop, injector_config(config, config.reinject.address)),
      secure_injector_(loop, injector_config(config, config.reinject.secure_address)),
      runner_(std::make_unique<queue::QueueRunner>(loop, spool_, queue_settings(config),
                                                     static_cast<queue::Transport&>(*this),
                                                     static_cast<queue::MailSubmitter&>(*this))) {}

QueueSide::~QueueSide() = default;

void QueueSide::start() {
    auto report = spool_.recover();
    if (report.removed_tmp + report.removed_orphans + report.moved_corrupt > 0)
        log::warning("queue {}: after an unclean stop removed {} half-written file(s), {} unacknowledged "
                     "message(s); {} unreadable entr(y/ies) moved to corrupt/",
                     spool_.directory(), report.removed_tmp, report.removed_orphans, report.moved_corrupt);
    runner_->start();
}

void QueueSide::reload(const Config& config, Signers& signers) {
    signers_ = &signers;
    runner_->replace_settings(queue_settings(config));
}

void QueueSide::drain() {
    runner_->drain([this] { drained_ = true; });
}

Expected<std::string, std::string> QueueSide::take_over(milter::TakeOver& mail) {
    queue::NewMessage m;
    m.mta_queue_id = mail.mta_queue_id;
    m.sender = mail.sender;
    m.from_domain = mail.from_domain;
    m.message = std::move(mail.head);
    m.body = std::move(mail.body);
    m.require_security = mail.require_security;
    if (mail.forward == milter::TakeOver::Forward::presigned) {
        m.forward = queue::ForwardKind::presigned;
        auto& f = m.forward_signature;
        f.algorithm = static_cast<std::uint16_t>(mail.original.algorithm);
        f.signature_hex = queue::hex_of(mail.original.signature.span());
        for (const auto& cert : mail.original.chain) f.chain_hex.push_back(queue::hex_of(cert.span()));
        for (const auto& h : mail.original.trace_headers) f.trace_headers.emplace_back(h.name, h.value);
    } else if (mail.forward == milter::TakeOver::Forward::unsigned_copy) {
        m.forward = queue::ForwardKind::unsigned_copy;
    }
    m.tls_suffices = mail.tls_suffices;
    for (const auto& r : mail.recipients) m.recipients.push_back({r.as_given, r.address, r.domain});
    auto id = spool_.accept(m);
    if (id) runner_->accepted(*id);
    return id;
}

void QueueSide::deliver(const std::string& from_domain, outbound::OutboundEmail email,
                        std::function<void(outbound::DeliveryReport)> done) {
    if (email.presigned) {
        // A forwarded Email keeps its origin's signature and chain.
        if (auto* deliverer = signers_->forwarder(email.presigned->chain)) {
            deliverer->deliver(std::move(email), std::move(done));
            return;
        }
    } else if (auto* deliverer = signers_->for_domain(from_domain)) {
        deliverer->deliver(std::move(email), std::move(done));
        return;
    }
    // The identity went away in a reload: keep the mail and retry; the
    // operator may put the identity back.
    outbound::DeliveryReport report;
    report.id = email.id;
    report.recipients = outbound::all_recipients(
        email, outbound::RecipientStatus::temporary,
        fmt::format("no signing identity for {} in the configuration", from_domain));
    done(std::move(report));
}

void QueueSide::submit(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) {
    injector_.send(std::move(request), std::move(done));
}

void QueueSide::submit_secure(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) {
    secure_injector_.send(std::move(request), std::move(done));
}

}  // namespace smtpsec::daemon

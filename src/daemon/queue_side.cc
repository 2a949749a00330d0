// See queue_side.h.
#include "daemon/queue_side.h"

#include <fmt/format.h>

#include "daemon/layer_settings.h"
#include "log/log.h"
#include "outbound/outbound_email.h"
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
    : signers_(&signers),
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
        log::warning(
            "queue {}: after an unclean stop removed {} half-written file(s), {} unacknowledged "
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

namespace {

// The queue's delivery, as the outbound layer's Email, and the report back.
outbound::OutboundEmail to_outbound(queue::Delivery d) {
    outbound::OutboundEmail email;
    email.id = d.id;
    email.domain = std::move(d.domain);
    email.recipients = std::move(d.recipients);
    email.message = std::move(d.message);
    email.trace_headers = std::move(d.trace_headers);
    email.require_security = d.require_security;
    if (d.presigned)
        email.presigned = outbound::PreSigned{d.presigned->algorithm, std::move(d.presigned->signature),
                                              std::move(d.presigned->chain)};
    return email;
}

queue::DeliveryStatus to_queue(outbound::RecipientStatus status) {
    switch (status) {
    case outbound::RecipientStatus::delivered: return queue::DeliveryStatus::delivered;
    case outbound::RecipientStatus::permanent: return queue::DeliveryStatus::permanent;
    case outbound::RecipientStatus::temporary: return queue::DeliveryStatus::temporary;
    case outbound::RecipientStatus::use_smtp: return queue::DeliveryStatus::use_smtp;
    }
    return queue::DeliveryStatus::temporary;
}

queue::DeliveryReport to_queue(outbound::DeliveryReport report) {
    queue::DeliveryReport out;
    out.server = std::move(report.server);
    for (auto& r : report.recipients)
        out.recipients.push_back({std::move(r.recipient), to_queue(r.status), std::move(r.detail)});
    return out;
}

}  // namespace

void QueueSide::deliver(const std::string& from_domain, queue::Delivery delivery,
                        std::function<void(queue::DeliveryReport)> done) {
    auto back = [done](outbound::DeliveryReport report) { done(to_queue(std::move(report))); };
    if (delivery.presigned) {
        // A forwarded Email keeps its origin's signature and chain.
        if (auto* deliverer = signers_->forwarder(delivery.presigned->chain)) {
            deliverer->deliver(to_outbound(std::move(delivery)), std::move(back));
            return;
        }
    } else if (auto* deliverer = signers_->for_domain(from_domain)) {
        deliverer->deliver(to_outbound(std::move(delivery)), std::move(back));
        return;
    }
    // The identity went away in a reload: keep the mail and retry; the
    // operator may put the identity back.
    queue::DeliveryReport report;
    const std::string reason = fmt::format("no signing identity for {} in the configuration", from_domain);
    for (auto& r : delivery.recipients)
        report.recipients.push_back({r, queue::DeliveryStatus::temporary, reason});
    done(std::move(report));
}

void QueueSide::submit(mta::Request request, std::function<void(mta::Result)> done) {
    injector_.send(std::move(request), std::move(done));
}

void QueueSide::submit_secure(mta::Request request, std::function<void(mta::Result)> done) {
    secure_injector_.send(std::move(request), std::move(done));
}

}  // namespace smtpsec::daemon

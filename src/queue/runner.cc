// See runner.h.
#include "queue/runner.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "imf/header_section.h"
#include "imf/smtpsec_used.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "queue/backoff.h"
#include "queue/forward_copy.h"
#include "queue/status_code.h"
#include "queue/way_out.h"

namespace smtpsec::queue {
namespace {

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void log_recipient(const Envelope& e, const Recipient& r, std::int64_t now, std::string_view status,
                   std::string_view detail) {
    log::info("{}: {}: to={}, relay={}, delay={}, attempts={}, status={} ({})",
              e.mta_queue_id.empty() ? "-" : e.mta_queue_id, e.id, r.as_given,
              r.last_server.empty() ? "none" : r.last_server, now - e.arrival, r.attempts, status, detail);
}

void bounce(Recipient& r, std::string status, std::string diagnostic_type, std::string reason) {
    r.state = RecipientState::bounced;
    r.status_code = std::move(status);
    r.diagnostic_type = std::move(diagnostic_type);
    r.last_error = std::move(reason);
    r.dsn_sent = false;
}

}  // namespace

QueueRunner::QueueRunner(event::Loop& loop, Spool& spool, QueueSettings settings, Transport& transport,
                         MailSubmitter& submitter, Clock clock)
    : spool_(spool),
      settings_(std::move(settings)),
      transport_(transport),
      submitter_(submitter),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      soon_(loop, [this] { process_due(); }),
      wakeup_(loop, [this] { process_due(); }),
      notifier_(loop, [this] { take_new_ids(); }) {
    if (settings_.destination_concurrency == 0) settings_.destination_concurrency = 1;
}

QueueRunner::~QueueRunner() = default;

void QueueRunner::start() {
    for (const auto& id : spool_.list()) track(id);
    log::info("queue: {} entries in {}", entries_.size(), spool_.directory());
    schedule_soon();
}

void QueueRunner::accepted(std::string id) {
    {
        std::lock_guard<std::mutex> lock(new_ids_mutex_);
        new_ids_.push_back(std::move(id));
    }
    notifier_.notify();
}

void QueueRunner::take_new_ids() {
    std::vector<std::string> ids;
    {
        std::lock_guard<std::mutex> lock(new_ids_mutex_);
        ids.swap(new_ids_);
    }
    for (const auto& id : ids) {
        track(id);
        if (auto it = entries_.find(id); it != entries_.end()) {
            const auto& e = it->second.envelope;
            log::info("{}: {}: from=<{}>, size={}, nrcpt={} (queue active)", e.mta_queue_id, e.id, e.sender,
                      spool_.message_size(id), e.recipients.size());
        }
    }
    schedule_soon();
}

void QueueRunner::track(const std::string& id) {
    auto loaded = spool_.load(id);
    if (!loaded) {
        if (!loaded.error().not_found()) log::error("queue: {}: {}", id, loaded.error());
        return;
    }
    entries_[id].envelope = std::move(*loaded);
}

void QueueRunner::rescan() {
    auto ids = spool_.list();
    for (auto it = entries_.begin(); it != entries_.end();) {
        bool on_disk = std::binary_search(ids.begin(), ids.end(), it->first);
        // Busy entries deleted by the operator are dropped when their work completes.
        if (!on_disk && !it->second.idle()) it->second.gone = true;
        if (!on_disk && it->second.idle())
            it = entries_.erase(it);
        else
            ++it;
    }
    for (const auto& id : ids) track(id);
    schedule_soon();
}

void QueueRunner::replace_settings(QueueSettings settings) {
    if (settings.destination_concurrency == 0) settings.destination_concurrency = 1;
    settings_ = std::move(settings);
    schedule_soon();
}

void QueueRunner::flush() {
    auto t = now();
    for (auto& [id, tracked] : entries_) {
        for (auto& r : tracked.envelope.recipients)
            if (r.state == RecipientState::pending) r.next_attempt = std::min(r.next_attempt, t);
        tracked.envelope.notify_after = 0;
        tracked.warning_retry_at = 0;
    }
    schedule_soon();
}

void QueueRunner::drain(std::function<void()> done) {
    stopping_ = true;
    wakeup_.stop();
    soon_.cancel();
    if (in_flight_ == 0) {
        done();
        return;
    }
    drained_ = std::move(done);
}

QueueRunner::Stats QueueRunner::stats() const {
    Stats s = counts_;
    s.entries = entries_.size();
    s.in_flight = in_flight_;
    return s;
}

QueueRunner::Summary QueueRunner::summary(bool by_domain) const {
    Summary s;
    s.entries = entries_.size();
    for (const auto& [id, tracked] : entries_) {
        const Envelope& e = tracked.envelope;
        if (e.held) ++s.held;
        if (s.oldest_arrival == 0 || e.arrival < s.oldest_arrival) s.oldest_arrival = e.arrival;
        for (const auto& r : e.recipients) {
            if (r.state != RecipientState::pending) continue;
            ++s.pending_recipients;
            if (by_domain) ++s.pending_by_domain[r.domain];
        }
    }
    return s;
}

std::size_t QueueRunner::in_flight_for(const std::string& domain) const {
    auto it = per_domain_.find(domain);
    return it == per_domain_.end() ? 0 : it->second;
}

void QueueRunner::schedule_soon() {
    if (!stopping_) soon_.schedule();
}

void QueueRunner::process_due() {
    if (stopping_) return;
    if (processing_) {
        again_ = true;
        return;
    }
    processing_ = true;
    do {
        again_ = false;
        auto t = now();
        std::vector<std::string> ids;
        for (const auto& [id, tracked] : entries_) ids.push_back(id);
        for (const auto& id : ids) process_entry(id, t);
    } while (again_ && !stopping_);
    processing_ = false;
    reschedule();
}

void QueueRunner::process_entry(const std::string& id, std::int64_t t) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    Tracked& tracked = it->second;
    const Envelope& e = tracked.envelope;
    if (e.held || tracked.gone) return;
    // Each step below may complete synchronously and erase the entry: look it
    // up again after each.
    if (e.owes_dsn() && !tracked.notifying && t >= e.notify_after) {
        send_failure_dsn(id, t);
        it = entries_.find(id);
        if (it == entries_.end()) return;
    }
    {
        Tracked& tr = it->second;
        const Envelope& en = tr.envelope;
        if (settings_.delay_warning.count() > 0 && !en.delay_warned && !en.sender.empty() && !tr.warning &&
            t >= tr.warning_retry_at && t >= en.arrival + settings_.delay_warning.count() &&
            en.has_pending()) {
            send_delay_warning(id, t);
            it = entries_.find(id);
            if (it == entries_.end()) return;
        }
    }
    std::map<std::string, std::vector<std::size_t>> due;
    const Envelope& en = it->second.envelope;
    for (std::size_t i = 0; i < en.recipients.size(); ++i) {
        const auto& r = en.recipients[i];
        if (r.state == RecipientState::pending && !it->second.busy.count(i) && r.next_attempt <= t)
            due[r.domain].push_back(i);
    }
    for (const auto& [domain, indexes] : due) {
        // A completion reschedules when either bound held a delivery back.
        if (per_domain_[domain] >= settings_.destination_concurrency) continue;
        if (bytes_in_flight_ > 0 && bytes_in_flight_ >= settings_.delivery_memory) return;
        start_delivery(id, domain, indexes);
        if (!entries_.count(id)) return;
    }
}

void QueueRunner::fail_now(const std::string& id, const std::vector<std::size_t>& indexes,
                           const std::string& reason, const std::string& status) {
    auto t = now();
    store(id, [&](Envelope& e) {
        for (auto i : indexes) {
            auto& r = e.recipients.at(i);
            if (r.state != RecipientState::pending) continue;
            bounce(r, status, "x-smtpsec", reason);
            ++counts_.bounced;
            metrics::count(metrics::Bounced::unsendable);
            log_recipient(e, r, t, "bounced", reason);
        }
        return true;
    });
    schedule_soon();
}

void QueueRunner::start_delivery(const std::string& id, const std::string& domain,
                                 const std::vector<std::size_t>& indexes) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    auto message = spool_.read_message(id);
    if (!message) {
        // The disk failed us; try again later rather than spin.
        log::error("{}: {}: {}", it->second.envelope.mta_queue_id, id, message.error());
        for (auto i : indexes)
            it->second.envelope.recipients[i].next_attempt = now() + settings_.retry_min.count();
        return;
    }
    const Envelope& e = it->second.envelope;
    if (e.forward == ForwardKind::unsigned_copy) {
        // A forwarded copy changed at this site: it cannot keep the origin's
        // signature and is never signed with ours (docs/forwarding.md). It
        // takes the way of mail for a domain without SMTPsec: a DSN when
        // security was required, else the MTA by SMTP.
        for (auto i : indexes) it->second.busy.insert(i);
        ++per_domain_[domain];
        ++in_flight_;
        DeliveryReport report;
        for (auto i : indexes)
            report.recipients.push_back(
                {e.recipients[i].address, DeliveryStatus::use_smtp,
                 "forwarded copy changed at this site: its signature cannot be kept"});
        on_report(id, domain, indexes, report);
        return;
    }
    Delivery email;
    email.id = next_delivery_id_++;
    email.domain = domain;
    for (auto i : indexes) email.recipients.push_back(e.recipients[i].address);
    std::size_t signed_size = 0;
    if (e.forward == ForwardKind::presigned) {
        // The origin's signed bytes as they are, with its signature.
        auto sig = decode_forward_signature(e.forward_signature);
        if (!sig) {
            fail_now(id, indexes, "forwarded message cannot be sent over SMTPsec: " + sig.error(), "5.6.0");
            finish_if_done(id);
            return;
        }
        signed_size = message->size();
        email.message = Bytes::take(std::move(*message));
        email.trace_headers = std::move(sig->trace_headers);
        email.presigned = Delivery::PreSigned{sig->algorithm, std::move(sig->signature),
                                              std::move(sig->chain)};
    } else {
        auto prepared = imf::prepare_for_signing_in_place(*message);
        if (!prepared) {
            fail_now(id, indexes, "message cannot be sent over SMTPsec: " + prepared.error().reason, "5.6.0");
            finish_if_done(id);
            return;
        }
        signed_size = message->size() - prepared->offset;
        email.message = Bytes::take(std::move(*message)).slice(prepared->offset, signed_size);
        email.trace_headers = std::move(prepared->trace_headers);
    }
    if (e.require_security) email.require_security = require_security_value(e);
    for (auto i : indexes) it->second.busy.insert(i);
    ++per_domain_[domain];
    ++in_flight_;
    bytes_in_flight_ += signed_size;
    transport_.deliver(
        e.from_domain, std::move(email),
        owned<DeliveryReport>([this, id, domain, indexes, signed_size](const DeliveryReport& report) {
            bytes_in_flight_ -= signed_size;
            on_report(id, domain, indexes, report);
        }));
}

void QueueRunner::on_report(const std::string& id, const std::string& domain,
                            const std::vector<std::size_t>& indexes, const DeliveryReport& report) {
    if (--per_domain_[domain] == 0) per_domain_.erase(domain);
    --in_flight_;
    if (auto it = entries_.find(id); it != entries_.end())
        for (auto i : indexes) it->second.busy.erase(i);
    auto t = now();
    std::vector<std::size_t> handback;
    store(id, [&](Envelope& e) {
        for (auto i : indexes) {
            auto& r = e.recipients.at(i);
            if (r.state != RecipientState::pending) continue;
            auto outcome = std::find_if(
                report.recipients.begin(), report.recipients.end(),
                [&](const auto& o) { return imf::same_address(o.recipient, r.address); });
            auto status = outcome == report.recipients.end() ? DeliveryStatus::temporary : outcome->status;
            std::string detail = outcome == report.recipients.end() ? "no outcome reported" : outcome->detail;
            ++r.attempts;
            r.last_server = report.server;
            switch (status) {
            case DeliveryStatus::delivered:
                r.state = RecipientState::delivered;
                r.last_error = detail;
                ++counts_.delivered;
                metrics::count(metrics::Delivered::smtpsec);
                log_recipient(e, r, t, "delivered", detail);
                break;
            case DeliveryStatus::permanent:
                bounce(r, smtpsec_status(detail), "x-smtpsec", detail);
                ++counts_.bounced;
                metrics::count(metrics::Bounced::refused);
                log_recipient(e, r, t, "bounced", detail);
                break;
            case DeliveryStatus::temporary:
                r.last_error = detail;
                if (expired(t, e.arrival, settings_)) {
                    bounce(r, std::string(expired_status), "x-smtpsec", "delivery time expired: " + detail);
                    ++counts_.bounced;
                    metrics::count(metrics::Bounced::expired);
                    log_recipient(e, r, t, "expired", detail);
                } else {
                    r.next_attempt = next_attempt_after(t, e.arrival, r.attempts, settings_);
                    ++counts_.deferred;
                    metrics::count(metrics::Deferred::smtpsec);
                    log_recipient(e, r, t, "deferred", detail);
                }
                break;
            case DeliveryStatus::use_smtp:
                if (way_out_without_smtpsec(e) == WayOut::bounce) {
                    std::string reason = "no SMTPsec for domain " + r.domain + " and SMTPsec was required";
                    if (!detail.empty()) reason += " (" + detail + ")";
                    bounce(r, std::string(security_required_status), "x-smtpsec", reason);
                    ++counts_.bounced;
                    metrics::count(metrics::Bounced::security_required);
                    log_recipient(e, r, t, "bounced", reason);
                } else {
                    r.last_error = detail;
                    handback.push_back(i);
                }
                break;
            }
        }
        // An entry that is finished and idle now is removed right below
        // (finish_if_done): writing its final state first would cost two
        // fsyncs for a file unlinked a moment later. A crash in between
        // leaves the last stored state, as a crash before this store would.
        return !(handback.empty() && e.finished() && idle_after_report(id));
    });
    if (!handback.empty()) start_handback(id, handback);
    finish_if_done(id);
    work_done();
}

bool QueueRunner::idle_after_report(const std::string& id) const {
    auto it = entries_.find(id);
    return it != entries_.end() && it->second.idle() && !it->second.gone;
}

void QueueRunner::start_handback(const std::string& id, const std::vector<std::size_t>& indexes) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    auto message = spool_.read_message(id);
    if (!message) {
        log::error("{}: {}: {}", it->second.envelope.mta_queue_id, id, message.error());
        return;  // still pending: the next attempt asks the Transport again
    }
    const Envelope& e = it->second.envelope;
    mta::Request request;
    request.mail_from = e.sender;
    for (auto i : indexes) request.recipients.push_back(e.recipients[i].address);
    if (e.forward == ForwardKind::presigned) {
        // SMTP carries no trace envelope and no signature (6.4.5).
        auto copy = unsigned_forward_copy(*message, e.forward_signature.trace_headers);
        if (!copy) {
            fail_now(id, indexes, "forwarded message cannot be handed back: " + copy.error(), "5.6.0");
            finish_if_done(id);
            return;
        }
        *message = std::move(*copy);
    }
    request.message.push_back(Bytes::take(std::move(*message)));
    for (auto i : indexes) it->second.busy.insert(i);
    ++in_flight_;
    auto done = owned<mta::Result>(
        [this, id, indexes](const mta::Result& result) { on_handback(id, indexes, result); });
    if (way_out_without_smtpsec(e) == WayOut::hand_back_verified_tls)
        submitter_.submit_secure(std::move(request), std::move(done));
    else
        submitter_.submit(std::move(request), std::move(done));
}

void QueueRunner::on_handback(const std::string& id, const std::vector<std::size_t>& indexes,
                              const mta::Result& result) {
    --in_flight_;
    if (auto it = entries_.find(id); it != entries_.end())
        for (auto i : indexes) it->second.busy.erase(i);
    auto t = now();
    store(id, [&](Envelope& e) {
        for (std::size_t k = 0; k < indexes.size(); ++k) {
            auto& r = e.recipients.at(indexes[k]);
            if (r.state != RecipientState::pending) continue;
            const mta::RecipientResult* rr = k < result.recipients.size() ? &result.recipients[k] : nullptr;
            r.last_server.clear();
            if (rr && rr->outcome == mta::Outcome::refused) {
                bounce(r, smtp_status(rr->code, rr->text), "smtp", rr->text);
                ++counts_.bounced;
                metrics::count(metrics::Bounced::mta_refused);
                log_recipient(e, r, t, "bounced", "the MTA refused it: " + rr->text);
            } else if (rr && rr->outcome == mta::Outcome::delivered) {
                r.state = RecipientState::handed_back;
                ++counts_.handed_back;
                metrics::count(metrics::Delivered::handed_back);
                log_recipient(e, r, t, "handed_back",
                              std::string(handback_note(way_out_without_smtpsec(e))) + ": " + rr->text);
            } else {
                std::string reason = "hand-back to the MTA failed: " +
                                     (rr && !rr->text.empty() ? rr->text : result.reason);
                r.last_error = reason;
                if (expired(t, e.arrival, settings_)) {
                    bounce(r, std::string(expired_status), "x-smtpsec", "delivery time expired: " + reason);
                    ++counts_.bounced;
                    metrics::count(metrics::Bounced::expired);
                    log_recipient(e, r, t, "expired", reason);
                } else {
                    r.next_attempt = next_attempt_after(t, e.arrival, std::max<std::uint32_t>(r.attempts, 1),
                                                        settings_);
                    ++counts_.deferred;
                    metrics::count(metrics::Deferred::handback);
                    log_recipient(e, r, t, "deferred", reason);
                }
            }
        }
        return true;
    });
    finish_if_done(id);
    work_done();
}

void QueueRunner::send_failure_dsn(const std::string& id, std::int64_t t) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    const Envelope& e = it->second.envelope;
    std::vector<std::size_t> indexes;
    for (std::size_t i = 0; i < e.recipients.size(); ++i)
        if (e.recipients[i].state == RecipientState::bounced && !e.recipients[i].dsn_sent)
            indexes.push_back(i);
    auto mark_sent = [&](Envelope& en) {
        for (auto i : indexes) en.recipients.at(i).dsn_sent = true;
        return true;
    };
    std::string to = e.sender.empty() ? settings_.postmaster : e.sender;
    if (to.empty()) {
        // Postfix's default: a bounce of a bounce is only logged.
        log::warning("{}: {}: undeliverable mail from the null sender: no notification sent", e.mta_queue_id,
                     id);
        store(id, mark_sent);
        finish_if_done(id);
        return;
    }
    auto message = spool_.read_message(id);
    if (!message) {
        log::error("{}: {}: {}", e.mta_queue_id, id, message.error());
        it->second.envelope.notify_after = t + settings_.retry_min.count();
        return;
    }
    DsnRequest request{&e, *message, indexes, DsnAction::failed, to, t};
    mta::Request inject{"", {to}, {Bytes::copy_of(build_dsn(request, settings_))}};
    it->second.notifying = true;
    ++in_flight_;
    submitter_.submit(
        std::move(inject), owned<mta::Result>([this, id, indexes, to](mta::Result result) {
            --in_flight_;
            auto found = entries_.find(id);
            if (found != entries_.end()) found->second.notifying = false;
            const std::string mta = found != entries_.end() ? found->second.envelope.mta_queue_id : "-";
            if (result.outcome != mta::Outcome::deferred) {
                if (result.outcome == mta::Outcome::delivered) {
                    ++counts_.dsns_sent;
                    log::info("{}: {}: sender non-delivery notification to <{}> submitted", mta, id, to);
                } else {
                    log::error("{}: {}: non-delivery notification to <{}> refused, dropped: {}", mta, id, to,
                               result.reason);
                }
                store(id, [&](Envelope& en) {
                    for (auto i : indexes) en.recipients.at(i).dsn_sent = true;
                    return true;
                });
            } else {
                auto retry = now() + settings_.retry_min.count();
                log::warning("{}: {}: non-delivery notification not submitted, retry later: {}", mta, id,
                             result.reason);
                store(id, [&](Envelope& en) {
                    en.notify_after = retry;
                    return true;
                });
            }
            finish_if_done(id);
            work_done();
        }));
}

void QueueRunner::send_delay_warning(const std::string& id, std::int64_t t) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    const Envelope& e = it->second.envelope;
    auto message = spool_.read_message(id);
    if (!message) {
        it->second.warning_retry_at = t + settings_.retry_min.count();
        return;
    }
    std::vector<std::size_t> indexes;
    for (std::size_t i = 0; i < e.recipients.size(); ++i)
        if (e.recipients[i].state == RecipientState::pending) indexes.push_back(i);
    DsnRequest request{&e, *message, indexes, DsnAction::delayed, e.sender, t};
    mta::Request inject{"", {e.sender}, {Bytes::copy_of(build_dsn(request, settings_))}};
    it->second.warning = true;
    ++in_flight_;
    submitter_.submit(std::move(inject), owned<mta::Result>([this, id](const mta::Result& result) {
                          --in_flight_;
                          auto found = entries_.find(id);
                          if (found != entries_.end()) found->second.warning = false;
                          if (result.outcome != mta::Outcome::deferred) {  // sent, or refused: given up
                              const bool sent = result.outcome == mta::Outcome::delivered;
                              if (sent) ++counts_.dsns_sent;
                              log::info("{}: {}: sender delay notification {}",
                                        found != entries_.end() ? found->second.envelope.mta_queue_id : "-",
                                        id, sent ? "submitted" : "refused: " + result.reason);
                              store(id, [](Envelope& en) {
                                  en.delay_warned = true;
                                  return true;
                              });
                          } else if (found != entries_.end()) {
                              found->second.warning_retry_at = now() + settings_.retry_min.count();
                          }
                          finish_if_done(id);
                          work_done();
                      }));
}

bool QueueRunner::store(const std::string& id, const Spool::Change& change) {
    auto updated = spool_.update(id, change);
    auto it = entries_.find(id);
    if (!updated) {
        // The MTA's queue id first, as on every line about a message.
        const std::string mta = it != entries_.end() && !it->second.envelope.mta_queue_id.empty()
                                    ? it->second.envelope.mta_queue_id
                                    : "-";
        if (updated.error().not_found()) {
            log::info("{}: {}: removed by the operator", mta, id);
            if (it != entries_.end()) {
                if (it->second.idle())
                    entries_.erase(it);
                else
                    it->second.gone = true;
            }
        } else {
            // The old state stays on disk: the recipients are tried again later.
            log::error("{}: {}: cannot record the new state: {}", mta, id, updated.error());
        }
        return false;
    }
    if (it != entries_.end()) it->second.envelope = std::move(*updated);
    return true;
}

void QueueRunner::finish_if_done(const std::string& id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    const Tracked& t = it->second;
    if (!t.idle()) return;
    if (t.gone) {
        entries_.erase(it);
        return;
    }
    if (!t.envelope.finished()) return;
    spool_.remove(id);
    log::info("{}: {}: removed", t.envelope.mta_queue_id.empty() ? "-" : t.envelope.mta_queue_id, id);
    entries_.erase(it);
}

void QueueRunner::work_done() {
    if (stopping_) {
        if (in_flight_ == 0 && drained_) std::exchange(drained_, nullptr)();
        return;
    }
    schedule_soon();
}

void QueueRunner::reschedule() {
    if (stopping_) return;
    std::int64_t t = now();
    std::int64_t earliest = INT64_MAX;
    for (const auto& [id, tracked] : entries_) {
        const Envelope& e = tracked.envelope;
        if (e.held || tracked.gone) continue;
        for (std::size_t i = 0; i < e.recipients.size(); ++i)
            if (e.recipients[i].state == RecipientState::pending && !tracked.busy.count(i))
                earliest = std::min(earliest, e.recipients[i].next_attempt);
        if (e.owes_dsn() && !tracked.notifying) earliest = std::min(earliest, e.notify_after);
        if (settings_.delay_warning.count() > 0 && !e.delay_warned && !e.sender.empty() && !tracked.warning &&
            e.has_pending())
            earliest = std::min(
                earliest, std::max(e.arrival + settings_.delay_warning.count(), tracked.warning_retry_at));
    }
    if (earliest == INT64_MAX) {
        wakeup_.stop();
        return;
    }
    // At least one second: work due now that could not start waits for a completion.
    wakeup_.start(event::Timer::Seconds(static_cast<double>(std::max<std::int64_t>(earliest - t, 1))));
}

}  // namespace smtpsec::queue

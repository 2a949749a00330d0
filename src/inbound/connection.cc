// See connection.h.
#include "inbound/connection.h"

#include <fmt/core.h>

#include <chrono>

#include "imf/auth_results.h"
#include "imf/received.h"
#include "imf/restore.h"
#include "log/log.h"

namespace smtpsec::inbound {
namespace {

constexpr std::uint64_t kProgressBytes = 64 * 1024;
// Emails read ahead while others are being delivered.
constexpr std::size_t kReadAhead = 8;
// Emails of one connection taken and not yet answered: authenticated and
// re-injected side by side while the answers still leave in order (point 17,
// AnswerQueue); one at a time made a connection as slow as the MTA's round
// trip per Email (about 120 msgs/s into Postfix here, with 1 KiB mail). The
// bound counts answers not yet sent, not deliveries still running: behind a
// slow Email the others would otherwise go on into the MTA unanswered, and a
// temporary failure of the slow one (which closes the connection, point 18)
// would have the client send them all again.
constexpr std::size_t kInParallel = 8;

session::EmailOutcome outcome_of(const LocalDeliveryResult& r, const Email& email) {
    switch (r.kind) {
    case LocalDeliveryResult::Kind::delivered:
        return r.refused.empty() ? session::EmailOutcome::delivered()
                                 : session::EmailOutcome::unknown_addresses(r.refused);
    case LocalDeliveryResult::Kind::refused:
        // SMTPsec has no "message refused" code: every recipient is listed as
        // refused, which the sender bounces (docs/protocol.md).
        return session::EmailOutcome::unknown_addresses(email.recipients);
    case LocalDeliveryResult::Kind::temporary:
        break;
    }
    return session::EmailOutcome::failed(ErrorCode::service_unavailable);
}

std::string address_only(const std::string& endpoint) {
    auto colon = endpoint.rfind(':');
    std::string host = endpoint.substr(0, colon);
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    return host;
}

}  // namespace

InboundConnection::InboundConnection(InboundContext& context, net::UniqueFd fd, std::function<void()> done)
    : ctx_(context),
      guard_([this](const std::string& what) { on_fault(what); }),
      done_(std::move(done)),
      id_(context.next_id()),
      peer_(net::peer_endpoint(fd.get()).to_string()),
      session_(context.settings.limits),
      framer_(context.settings.limits.max_message_size),
      deadline_(context.loop, guarded([this] { finish("TLS handshake timed out"); })),
      alive_(std::make_shared<bool>(true)) {
    auto tls = tls::Connection::server(std::move(fd), ctx_.settings.credentials);
    if (!tls) {
        std::string reason = tls.error();
        deadline_.set_callback(guarded([this, reason] { finish(reason); }));
        deadline_.start(event::Timer::Seconds(0));
        return;
    }
    stream_ = std::make_unique<tls::Stream>(ctx_.loop, std::move(*tls), framer_,
                                            static_cast<tls::Stream::Handler&>(*this));
    stream_->start();
    deadline_.start(event::Timer::Seconds(ctx_.settings.handshake_timeout));
}

InboundConnection::~InboundConnection() { *alive_ = false; }

void InboundConnection::on_handshake_done() {
    guard_.run([&] { handshake_done(); });
}

void InboundConnection::on_input() {
    guard_.run([&] { read_messages(); });
}

void InboundConnection::on_closed(bool clean, const std::string& reason) {
    guard_.run([&] { finish(clean ? "closed" : reason); });
}

// Whatever threw (the session, an encoder, a parser, an allocation) left
// this connection's state unknown: nothing of it is used again. The TLS
// stream goes at once (the peer sees the close; no half-written answer
// follows) and the listener destroys the rest on its next turn. The
// client gets no answer for the Emails in flight and sends them again.
void InboundConnection::on_fault(const std::string& what) {
    log::error("{}: {}: internal fault, connection ended: {}", id_, peer_, what);
    stream_.reset();
    finish("internal fault");
}

void InboundConnection::handshake_done() {
    const auto& c = stream_->connection();
    log::info("{}: SMTPsec connection from {}: {}, ALPN {}", id_, peer_, c.description(),
              c.alpn().value_or("none"));
    session_.start();
    flush();
    arm_read_deadline();
    end_if_drained();
}

void InboundConnection::read_messages() {
    bool progressed = false;
    while (auto event = framer_.next()) {
        session_.on_event(std::move(*event));
        progressed = true;
    }
    for (const auto& note : session_.notes()) log::info("{}: {}: Message #{}: {}", id_, peer_, note.number, note.text);
    session_.notes().clear();
    flush();
    if (finished_) return;
    // A Message that starts while the idle deadline runs gets the (shorter)
    // read deadline from its first byte: a trickler must not live on idle time.
    if (progressed || stream_->bytes_read() - progress_mark_ >= kProgressBytes ||
        (idle_deadline_ && !framer_.idle()))
        arm_read_deadline();
    process_next();
    end_if_drained();
}

void InboundConnection::flush() {
    if (!stream_) return;
    stream_->write(session_.output());
    if (session_.closing()) stream_->shutdown();
}

void InboundConnection::arm_read_deadline() {
    if (finished_ || in_progress_ > 0) return;
    progress_mark_ = stream_ ? stream_->bytes_read() : 0;
    bool between_messages = framer_.idle() && session_.pending_emails() == 0;
    idle_deadline_ = between_messages;
    double after = between_messages ? ctx_.settings.idle_timeout : ctx_.settings.read_timeout;
    deadline_.set_callback(guarded([this, between_messages] {
        finish(between_messages ? "idle timeout" : "read timeout: a Message did not progress");
    }));
    deadline_.start(event::Timer::Seconds(after));
}

void InboundConnection::process_next() {
    // complete() calls back here, also from inside check() (a refusal that
    // needs no DNS answers at once): the loop re-reads every bound. Once an
    // outcome that closes the connection is known, nothing more is taken.
    while (!finished_ && stream_ && !session_.will_close() && session_.answers_owed() < kInParallel) {
        auto next = session_.take_email();
        if (!next) break;
        ++in_progress_;
        deadline_.stop();
        auto email = std::make_shared<session::IncomingEmail>(std::move(*next));
        const auto number = email->number;
        std::weak_ptr<bool> alive = alive_;
        checks_[number] = nullptr;  // erased by the callback, which may come before check() returns
        auto handle = ctx_.authenticator.check(email->email(), *email->chain,
                                               [this, alive, email, number](OriginVerdict verdict) {
                                                   if (alive.expired()) return;
                                                   guard_.run([&] {
                                                       checks_.erase(number);
                                                       on_origin(std::move(*email), std::move(verdict));
                                                   });
                                               });
        if (auto it = checks_.find(number); it != checks_.end()) it->second = std::move(handle);
    }
    if (!finished_ && stream_)
        stream_->pause_input(input_closed_ || !session_.reading() || session_.pending_emails() >= kReadAhead);
}

void InboundConnection::on_origin(session::IncomingEmail incoming, OriginVerdict verdict) {
    if (finished_) return;
    const Email& email = incoming.email();
    auto number = incoming.number;
    if (verdict.kind == OriginVerdict::Kind::refused) {
        log::info("{}: {}: Email #{} from {}: authentication_failed: {}", id_, peer_, number,
                  verdict.from.address.empty() ? "?" : verdict.from.address, verdict.reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::authentication_failed));
        return;
    }
    if (verdict.kind == OriginVerdict::Kind::temporary) {
        log::warning("{}: {}: Email #{} from {}: deferred: {}", id_, peer_, number, verdict.from.address,
                     verdict.reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::service_unavailable));
        return;
    }
    std::string delivery_id = fmt::format("{}-{}", id_, number);  // an Atom, for Received
    // "from" names what the certificate proved: D, or for an SRVName
    // _smtpsec.<domain> that domain (an underscore is no host name).
    std::string from_name = verdict.server_name;
    if (from_name.starts_with("_smtpsec.")) from_name.erase(0, 9);
    auto received = imf::format_received({from_name, address_only(peer_), ctx_.settings.authserv_id, delivery_id,
                                          email.recipients.size() == 1 ? email.recipients[0] : "",
                                          stream_ ? stream_->connection().version() : "",
                                          std::chrono::system_clock::now()});
    auto auth_results = imf::format_authentication_results(
        {ctx_.settings.authserv_id, verdict.from.domain_lower, verdict.server_name});
    if (!received || !auth_results) {
        log::error("{}: Email #{}: cannot write trace fields: {}", id_, number,
                   !received ? received.error().reason : auth_results.error().reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::internal_error));
        return;
    }
    auto restored = imf::restore_for_smtp(email, ctx_.settings.trace_whitelist, *received, *auth_results, ctx_.settings.authserv_id);
    if (!restored) {
        log::info("{}: Email #{}: message cannot be restored: {}", id_, number, restored.error().reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::illegal_parameter));
        return;
    }
    log::info("{}: {}: Email #{} from {} authenticated ({}), to {} recipient(s)", id_, peer_, number,
              verdict.from.address, verdict.auth.reason, email.recipients.size());
    LocalDeliveryRequest request{delivery_id, verdict.from.address, email.recipients, std::move(restored->head),
                                 restored->body};
    std::weak_ptr<bool> alive = alive_;
    auto recipients = email.recipients;
    ctx_.delivery.deliver(std::move(request),
                          [this, alive, number, delivery_id, recipients](LocalDeliveryResult result) {
                              if (alive.expired() || finished_) return;
                              guard_.run([&] {
                                  Email shape;
                                  shape.recipients = recipients;
                                  auto outcome = outcome_of(result, shape);
                                  log::info("{}: Email #{}: {}: {}", delivery_id, number,
                                            outcome.error ? name_of(*outcome.error) : "delivered", result.reason);
                                  complete(number, outcome);
                              });
                          });
}

void InboundConnection::complete(std::uint32_t number, const session::EmailOutcome& outcome) {
    if (finished_) return;
    session_.complete(number, outcome);
    if (!outcome.error) ++delivered_;
    --in_progress_;
    flush();
    if (finished_) return;
    arm_read_deadline();
    process_next();
    end_if_drained();
}

void InboundConnection::drain() {
    guard_.run([&] {
        if (finished_ || draining_) return;
        draining_ = true;
        end_if_drained();
    });
}

// Called wherever the connection may have run out of work: after the
// handshake, after input, after an Email's answer.
void InboundConnection::end_if_drained() {
    if (!draining_ || finished_ || !stream_ || session_.closing()) return;
    // The handshake still runs (on_handshake_done comes back here), or a
    // Message is half read: the client sent it before the drain began, so it
    // is let in, bounded by the read deadline.
    if (!stream_->handshake_done() || !framer_.idle()) return;
    input_closed_ = true;
    stream_->pause_input(true);
    if (in_progress_ > 0 || session_.pending_emails() > 0) return;  // complete() comes back here
    // The idle deadline still runs: it bounds a client that never reads our close.
    log::info("{}: {}: draining: ending the connection (service_unavailable)", id_, peer_);
    session_.end(ErrorCode::service_unavailable);
    flush();
}

void InboundConnection::finish(const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    deadline_.stop();
    checks_.clear();
    log::info("{}: {}: connection ended ({}), {} Email(s) delivered", id_, peer_, reason, delivered_);
    auto done = std::move(done_);
    done();
}

}  // namespace smtpsec::inbound

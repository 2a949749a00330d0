// See connection.h.
#include "inbound/connection.h"

#include <fmt/core.h>

#include <chrono>
#include <set>
#include <string_view>

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
    case LocalDeliveryResult::Kind::temporary: break;
    }
    return session::EmailOutcome::failed(ErrorCode::service_unavailable);
}

// The recipients refused in the end, in the Email's order: those that were
// not ours (recipient_policy.h) and those the MTA refused. A set, not a
// search per recipient: an Email may list very many (only its size bounds them).
std::vector<std::string> refused_in_order(const std::vector<std::string>& all,
                                          const std::vector<std::string>& a,
                                          const std::vector<std::string>& b) {
    std::set<std::string_view> refused(a.begin(), a.end());
    refused.insert(b.begin(), b.end());
    std::vector<std::string> out;
    for (const auto& r : all)
        if (refused.contains(r)) out.push_back(r);
    return out;
}

// A recipient SMTP cannot carry may hold control characters: escaped before
// it goes into a log line, where a CR or LF would forge another line.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 32 || u == 127 || c == '\\')
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out;
}

// Error, ServerHello, EmailDelivered and unknown types sent to a server.
constexpr std::uint64_t kOtherMessageLimit = 64 * 1024;

// The largest ClientHello whose chains fit the decoder's bounds: the
// certificates, their length fields, and room for the rest (version, counts,
// extensions).
std::uint64_t client_hello_limit(const DecodeLimits& d) {
    const std::uint64_t structure = 64 * 1024 + d.max_chains * (2 + 3 * d.max_chain_certificates);
    return d.max_chain_bytes > (~std::uint64_t{0} - structure) ? ~std::uint64_t{0}
                                                               : d.max_chain_bytes + structure;
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
      setup_failed_(context.loop, guarded([this] { finish(setup_error_); })) {
    // Only an Email may be as large as max_message_size; a ClientHello is at
    // most its chains' bound, anything else a server receives a few KiB: the
    // framer refuses them on the header, before buffering (issue 13 item 6).
    const auto& limits = ctx_.settings.limits;
    framer_.limit_type(static_cast<std::uint8_t>(MessageType::email), limits.max_message_size);
    framer_.limit_type(static_cast<std::uint8_t>(MessageType::client_hello),
                       client_hello_limit(DecodeLimits{}));  // the bounds decode() applies
    framer_.limit_other_types(kOtherMessageLimit);
    auto tls = tls::Connection::server(std::move(fd), ctx_.settings.credentials);
    if (!tls) {
        setup_error_ = tls.error();
        setup_failed_.schedule();
        return;
    }
    stream_ = std::make_unique<tls::Stream>(ctx_.loop, std::move(*tls), framer_,
                                            static_cast<tls::Stream::Handler&>(*this));
    stream_->start();
    deadline_.start(event::Timer::Seconds(ctx_.settings.handshake_timeout));
}

InboundConnection::~InboundConnection() = default;

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
        if (const auto* frame = std::get_if<Framer::Frame>(&*event); frame && frame->bytes.size() > 8) {
            // Counted for held_bytes(): the session keeps an Email's frame
            // until it is taken, and the ClientHello's for the connection.
            const auto type = static_cast<MessageType>(frame->bytes[8]);
            if (type == MessageType::email) email_frames_[session_.messages_received()] = frame->bytes.size();
            if (type == MessageType::client_hello && hello_bytes_ == 0) hello_bytes_ = frame->bytes.size();
        }
        session_.on_event(std::move(*event));
        progressed = true;
    }
    for (const auto& n : session_.notes()) note(n.number, n.text);
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

void InboundConnection::note(std::uint32_t number, const std::string& text) {
    // Junk gets one note per Message: the first few are logged, the rest
    // counted (D8, log_limiter.h).
    const double now = ctx_.loop.now();
    if (log_limit_.allow(now)) log::info("{}: {}: Message #{}: {}", id_, peer_, number, text);
    if (auto left_out = log_limit_.summary(now))
        log::info("{}: {}: {} further line(s) about this connection not logged", id_, peer_, *left_out);
}

std::uint64_t InboundConnection::held_bytes() const {
    std::uint64_t held = framer_.buffered() + hello_bytes_;
    if (stream_) held += stream_->pending_output();
    for (const auto& [number, size] : email_frames_) held += size;
    for (const auto& [number, size] : in_flight_) held += size;
    return held;
}

// Input stops while the connection holds what it may (held_bytes()) or owes
// the client more output than max_output_owed (a client that sends without
// reading; D8), and while Emails wait to be taken. complete() and
// on_output_drained() come back here. The Message being read is not counted
// against the budget: it was admitted, and stopping in its middle would stall.
void InboundConnection::update_pause() {
    if (finished_ || !stream_) return;
    peak_held_ = std::max(peak_held_, held_bytes());
    const auto& s = ctx_.settings;
    const bool over_budget = held_bytes() - framer_.buffered() >= s.max_connection_memory ||
                             stream_->pending_output() > s.max_output_owed;
    stream_->pause_input(input_closed_ || !session_.reading() || session_.pending_emails() >= kReadAhead ||
                         over_budget);
}

void InboundConnection::on_output_drained() {
    guard_.run([&] { update_pause(); });
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
        // Earlier Email frames not taken were refused by the session and freed.
        for (auto it = email_frames_.begin(); it != email_frames_.end() && it->first <= next->number;) {
            if (it->first == next->number) in_flight_[it->first] = it->second;
            it = email_frames_.erase(it);
        }
        deadline_.stop();
        auto email = std::make_shared<session::IncomingEmail>(std::move(*next));
        const auto number = email->number;
        // The check's handle cancels it when dropped (from checks_, which
        // goes with this connection): the callback may use `this`.
        checks_[number] = nullptr;  // erased by the callback, which may come before check() returns
        auto handle = ctx_.authenticator.check(email->email(), *email->chain,
                                               [this, email, number](OriginVerdict verdict) {
                                                   guard_.run([&] {
                                                       checks_.erase(number);
                                                       on_origin(*email, std::move(verdict));
                                                   });
                                               });
        if (auto it = checks_.find(number); it != checks_.end()) it->second = std::move(handle);
    }
    if (session_.pending_emails() == 0) email_frames_.clear();  // each was taken or refused
    update_pause();
}

void InboundConnection::on_origin(const session::IncomingEmail& incoming, OriginVerdict verdict) {
    if (finished_) return;
    const Email& email = incoming.email();
    auto number = incoming.number;
    if (verdict.kind == OriginVerdict::Kind::refused) {
        note(number, fmt::format("Email from {}: authentication_failed: {}",
                                 verdict.from.address.empty() ? "?" : verdict.from.address, verdict.reason));
        complete(number, session::EmailOutcome::failed(ErrorCode::authentication_failed));
        return;
    }
    if (verdict.kind == OriginVerdict::Kind::temporary) {
        log::warning("{}: {}: Email #{} from {}: deferred: {}", id_, peer_, number, verdict.from.address,
                     verdict.reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::service_unavailable));
        return;
    }
    // Only recipients this gateway is the destination for go to the MTA: it
    // would relay the others (recipient_policy.h, decision D1).
    auto split = split_recipients(email.recipients, ctx_.settings.accept_domains);
    if (!split.unusable.empty()) {
        log::info("{}: {}: Email #{} from {}: illegal_parameter: recipient {} cannot be written in SMTP", id_,
                  peer_, number, verdict.from.address, printable(split.unusable.front()));
        complete(number, session::EmailOutcome::failed(ErrorCode::illegal_parameter));
        return;
    }
    if (!split.not_ours.empty())
        log::info(
            "{}: {}: Email #{} from {}: unknown_address for {} recipient(s) not in our domains, first {}",
            id_, peer_, number, verdict.from.address, split.not_ours.size(), split.not_ours.front());
    authorise_recipients(split, email.recipients, verdict.from.address, ctx_.settings.authorisation.get(),
                         ctx_.on_authorisation, {id_, peer_, number});
    if (split.ours.empty()) {
        complete(number, session::EmailOutcome::unknown_addresses(split.not_ours));
        return;
    }
    std::string delivery_id = fmt::format("{}-{}", id_, number);  // an Atom, for Received
    // "from" names what the certificate proved: D, or for an SRVName
    // _smtpsec.<domain> that domain (an underscore is no host name).
    std::string from_name = verdict.server_name;
    if (from_name.starts_with("_smtpsec.")) from_name.erase(0, 9);
    auto received = imf::format_received({from_name, address_only(peer_), ctx_.settings.authserv_id,
                                          delivery_id, split.ours.size() == 1 ? split.ours[0] : "",
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
    auto restored = imf::restore_for_smtp(email, ctx_.settings.trace_whitelist, *received, *auth_results,
                                          ctx_.settings.authserv_id);
    if (!restored) {
        log::info("{}: Email #{}: message cannot be restored: {}", id_, number, restored.error().reason);
        complete(number, session::EmailOutcome::failed(ErrorCode::illegal_parameter));
        return;
    }
    log::info("{}: {}: Email #{} from {} authenticated ({}), to {} recipient(s)", id_, peer_, number,
              verdict.from.address, verdict.auth.reason, split.ours.size());
    std::string head = std::move(restored->head);
    if (ctx_.forward) forward_marker(incoming, verdict.from.domain_lower, *received, delivery_id, head);
    LocalDeliveryRequest request{delivery_id, verdict.from.address, split.ours, std::move(head),
                                 restored->body};
    auto [on_delivered, handle] = event::cancellable<LocalDeliveryResult>(
        [this, number, delivery_id, all = email.recipients, split](LocalDeliveryResult result) {
            if (finished_) return;
            guard_.run([&] {
                Email shape;
                shape.recipients = split.ours;
                auto outcome = outcome_of(result, shape);
                if (!split.not_ours.empty() &&
                    (!outcome.error || *outcome.error == ErrorCode::unknown_address))
                    outcome = session::EmailOutcome::unknown_addresses(
                        refused_in_order(all, split.not_ours, outcome.unknown));
                log::info("{}: Email #{}: {}: {}", delivery_id, number,
                          outcome.error ? name_of(*outcome.error) : "delivered", result.reason);
                complete(number, outcome);
            });
        });
    requests_.add(std::move(handle));
    ctx_.delivery.deliver(std::move(request), std::move(on_delivered));
}

void InboundConnection::forward_marker(const session::IncomingEmail& incoming, const std::string& from_domain,
                                       const std::string& received, const std::string& delivery_id,
                                       std::string& head) {
    // Durable before the MTA has the mail (docs/forwarding.md); a failure
    // only costs forwarded copies their signature, never the mail.
    auto marker = ctx_.forward->record(incoming.message, *incoming.chain, from_domain, received);
    if (!marker) {
        log::warning(
            "{}: Email #{}: not recorded for forwarding, a forwarded copy cannot keep its signature: {}",
            delivery_id, incoming.number, marker.error());
        return;
    }
    head.insert(0, "SMTPsec-Forward: " + *marker + "\r\n");
}

void InboundConnection::complete(std::uint32_t number, const session::EmailOutcome& outcome) {
    if (finished_) return;
    session_.complete(number, outcome);
    in_flight_.erase(number);
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
    if (auto left_out = log_limit_.summary(ctx_.loop.now(), true))
        log::info("{}: {}: {} further line(s) about this connection not logged", id_, peer_, *left_out);
    log::info("{}: {}: connection ended ({}), {} Email(s) delivered", id_, peer_, reason, delivered_);
    auto done = std::move(done_);
    done();
}

}  // namespace smtpsec::inbound

// One inbound SMTPsec connection: TLS, the server session (points 15-18),
// origin authentication (point 22) and delivery to the local MTA: several
// Emails side by side while the client keeps pipelining, answered in order.
//
// Limits: a handshake deadline; a read deadline that only progress resets
// (a complete Message, or 64 KiB of input), so a client trickling bytes is
// cut off; an idle deadline between Messages; input paused while a few
// Emails wait, while the connection holds max_connection_memory
// (held_bytes(), the one place its memory is counted), or while it owes a
// client that does not read more than max_output_owed (issue 13, D8). Only
// an Email may be max_message_size; a ClientHello is refused on its header
// above what DecodeLimits' chains allow, anything else above 64 KiB (D6).
// Repeated notes are rate-limited (log_limiter.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "event/defer_event.h"
#include "event/fault_guard.h"
#include "event/request.h"
#include "event/timer.h"
#include "imf/trace_headers.h"
#include "inbound/forward_recorder.h"
#include "inbound/local_delivery.h"
#include "inbound/log_limiter.h"
#include "inbound/origin_auth.h"
#include "inbound/recipient_policy.h"
#include "inbound/sender_authorisation.h"
#include "net/socket.h"
#include "session/server_session.h"
#include "tls/stream.h"

namespace smtpsec::inbound {

struct InboundSettings {
    std::shared_ptr<const tls::Credentials> credentials;
    session::ServerLimits limits;
    double handshake_timeout = 30;
    double read_timeout = 60;   // a Message must progress at least 64 KiB this often
    double idle_timeout = 120;  // between Messages
    // The memory one connection may hold before it stops reading (issue 13,
    // held_bytes() in connection.cc); a Message already started is still
    // read, so the most one connection holds is this plus max_message_size.
    std::uint64_t max_connection_memory = 64ull << 20;
    // Answers owed to a client that does not read them: input stops above
    // this (D8 back-pressure), so junk cannot grow the output queue.
    std::uint64_t max_output_owed = 256 * 1024;
    std::string authserv_id;  // also our name in Received
    imf::TraceWhitelist trace_whitelist = imf::TraceWhitelist::defaults();
    // The recipient domains this listener is the destination for
    // (recipient_policy.h); empty: every recipient is unknown_address.
    AcceptedDomains accept_domains;
    std::shared_ptr<const SenderAuthorisation> authorisation;  // [listener] authorisation_file; null: none
};

// What the connections of one listener share.
struct InboundContext {
    event::Loop& loop;
    const InboundSettings& settings;
    OriginAuthenticator& authenticator;
    LocalDelivery& delivery;
    std::function<std::string()> next_id;         // our ids for log lines and Received
    AuthorisationObserver on_authorisation = {};  // each recipient the policy decided (metrics)
    // Records what a forwarded copy needs and names it by a marker
    // (forward_recorder.h); null: forwarding keeps no signature.
    ForwardRecorder* forward = nullptr;
};

class InboundConnection final : private tls::Stream::Handler {
public:
    // `done` is called once when the connection is over; the owner destroys
    // it later (not from inside the call).
    InboundConnection(InboundContext& context, net::UniqueFd fd, std::function<void()> done);
    ~InboundConnection() override;

    // The daemon drains (SIGTERM): read no further Emails, answer those
    // already received, then end with an unreferenced service_unavailable
    // Error and close_notify (thesis 6.4.7; the client resends anything it
    // pipelined after). An idle connection ends at once, so it cannot hold
    // the drain up to its limit.
    void drain();

    // The one place a connection's memory is counted: the Message being read
    // (its whole buffer once its header is in), the output not yet written,
    // the ClientHello kept for the connection's Emails, the Emails read and
    // not yet answered.
    std::uint64_t held_bytes() const;
    // The most held_bytes() was at any input or answer (for tests, figures).
    std::uint64_t peak_held_bytes() const { return peak_held_; }

    const std::string& id() const { return id_; }
    const std::string& peer() const { return peer_; }

private:
    // The entry points from outside (the Stream, the deadline, the origin
    // check, the delivery, the listener's drain) run through guard_ (see
    // event/fault_guard.h): a fault ends this connection alone.
    void on_handshake_done() override;
    void on_input() override;
    void on_closed(bool clean, const std::string& reason) override;
    void on_output_drained() override;
    void update_pause();
    void note(std::uint32_t number, const std::string& text);
    void handshake_done();
    void read_messages();
    void on_fault(const std::string& what);
    // `body` run through guard_, for callbacks given to timers and others.
    template <class F>
    auto guarded(F body) {
        return [this, body = std::move(body)](auto&&... args) mutable {
            guard_.run([&] { body(std::forward<decltype(args)>(args)...); });
        };
    }

    void process_next();
    void on_origin(const session::IncomingEmail& incoming, OriginVerdict verdict);
    void complete(std::uint32_t number, const session::EmailOutcome& outcome);
    void forward_marker(const session::IncomingEmail& incoming, const std::string& from_domain,
                        const std::string& received, const std::string& delivery_id, std::string& head);
    void flush();
    void arm_read_deadline();
    void finish(const std::string& reason);
    void end_if_drained();

    InboundContext& ctx_;
    event::FaultGuard guard_;
    std::function<void()> done_;
    std::string id_;
    std::string peer_;
    session::ServerSession session_;
    Framer framer_;
    std::unique_ptr<tls::Stream> stream_;
    event::Timer deadline_;
    // A TLS session that could not be set up ends the connection on the
    // next loop turn (never inside the constructor, see `done`).
    event::DeferEvent setup_failed_;
    std::string setup_error_;
    std::map<std::uint32_t, std::shared_ptr<void>> checks_;  // origin checks under way, by Email number
    std::size_t in_progress_ = 0;  // Emails taken from the session whose outcome is not yet known
    bool finished_ = false;
    bool draining_ = false;
    bool input_closed_ = false;  // draining: no further Message is read
    std::uint64_t progress_mark_ = 0;
    bool idle_deadline_ = false;  // the running deadline is the idle one
    std::uint32_t delivered_ = 0;
    // held_bytes(): Email frames handed to the session and not yet taken (by
    // Message number; an Email the session refused is forgotten at the next
    // take), the Emails taken and not yet answered, the ClientHello.
    std::map<std::uint32_t, std::uint64_t> email_frames_;
    std::map<std::uint32_t, std::uint64_t> in_flight_;
    std::uint64_t hello_bytes_ = 0;
    std::uint64_t peak_held_ = 0;
    LogLimiter log_limit_;
    // Local deliveries' callbacks: cancelled when the connection goes (last
    // member, so first to go), so they may use `this`. (Origin checks are
    // cancelled by dropping their handles in checks_.)
    event::RequestSet requests_;
};

}  // namespace smtpsec::inbound

// One SMTPsec connection from us to one address of one SRV target:
// TCP connect, TLS, server authentication (docs/decisions.md point 21), then the
// client session carrying any number of pipelined Emails. It reports how it
// ended as a ConnectionOutcome (attempt_outcome.h); its Owner (the
// Deliverer) decides what that means (docs/outbound.md).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event/defer_event.h"
#include "event/fault_guard.h"
#include "event/io_watcher.h"
#include "event/timer.h"
#include "metrics/metrics.h"
#include "net/socket.h"
#include "outbound/transport.h"
#include "session/client_session.h"
#include "tls/auth.h"
#include "tls/stream.h"

namespace smtpsec::outbound {

struct Timeouts {
    double connect = 30;  // TCP + TLS + ServerHello
    double answer = 300;  // silence while Emails are unanswered
    double idle = 5;      // an unused connection is kept this long for reuse
};

struct ConnectionSettings {
    std::shared_ptr<const tls::Credentials> credentials;
    std::shared_ptr<const tls::AuthPolicy> policy;
    CertificateChain our_chain;  // announced in the ClientHello
    Timeouts timeouts;
    // Emails per connection; the Deliverer opens a new one after. A server
    // refuses the Email past its own limit with service_unavailable and
    // closes (point 18; smtpsecd's default limit is 1000), which would
    // defer that Email for a retry interval on a busy, long-lived connection.
    std::uint32_t max_emails_per_connection = 1000;
};

class Connection final : public Channel, private tls::Stream::Handler {
public:
    using Owner = Channel::Owner;

    Connection(event::Loop& loop, Owner& owner, const ConnectionSettings& settings, Target target);
    ~Connection() override;

    void start() override;
    void send(std::uint64_t id, Message email) override;
    void close_when_idle() override;
    void abort(const std::string& reason) override;

    bool established() const { return phase_ == Phase::established; }
    std::size_t in_flight() const { return session_.in_flight(); }
    bool full() const override { return emails_given_ >= settings_.max_emails_per_connection; }
    bool closing() const override { return closing_ || phase_ == Phase::finished; }
    const Target& target() const { return target_; }
    const tls::AuthResult& auth() const { return auth_; }
    std::string server() const override;
    std::string tls_description() const;

private:
    // Where the connection is; a deadline or a close means something
    // different in each (attempt_outcome.h).
    enum class Phase {
        idle,            // start() not called
        connecting,      // TCP SYN sent
        handshaking,     // TLS handshake
        awaiting_hello,  // authenticated, ServerHello not yet read
        established,     // the session runs
        finished,        // on_closed() reported
    };

    // Entry points from outside (watchers, the deadline, the Stream, the
    // Deliverer's send/close) run through guard_ (event/fault_guard.h): a
    // fault ends this connection alone, its Emails retried like any lost
    // connection's.
    template <class F>
    auto guarded(F body) {
        return [this, body = std::move(body)](auto&&... args) mutable {
            guard_.run([&] { body(std::forward<decltype(args)>(args)...); });
        };
    }
    void read_answers();
    void log_notes();
    void on_connectable();
    void on_deadline();
    void on_handshake_done() override;
    void on_input() override;
    void on_closed(bool clean, const std::string& reason) override;
    void on_output_drained() override;
    void flush_session();
    void arm_deadline();
    // Ends the connection now and reports it from the loop (report()), so
    // that the Owner is never called back from inside its own call (start,
    // send, abort) and may destroy this from on_closed(). `also_lost`: an
    // Email taken from the session but possibly not reported (a fault
    // inside the Owner's on_answer), abandoned first.
    void fail(ConnectionOutcome outcome, const std::string& detail,
              std::optional<std::uint64_t> also_lost = std::nullopt);
    void report();
    // A failure of the server's session: before the ServerHello it is
    // session_failure, after it the established session is lost.
    ConnectionOutcome session_outcome() const {
        return phase_ == Phase::established ? ConnectionOutcome::lost : ConnectionOutcome::session_failure;
    }
    void hand_over(session::EmailAnswer answer);
    // Every Email not yet handed to the Owner: in flight, queued, or
    // answered but not yet taken from the session.
    std::vector<std::uint64_t> unanswered();

    event::Loop& loop_;
    event::FaultGuard guard_;
    metrics::OpenConnection open_{metrics::Gauge::connections_outbound};  // smtpsec-ctl stats
    Owner& owner_;
    const ConnectionSettings& settings_;
    Target target_;
    Phase phase_ = Phase::idle;
    session::ClientSession session_;
    Framer framer_;
    net::UniqueFd connecting_fd_;
    event::IoWatcher connect_watch_;
    event::Timer deadline_;
    std::unique_ptr<tls::Stream> stream_;
    tls::AuthResult auth_;
    bool closing_ = false;
    std::uint32_t emails_given_ = 0;
    std::optional<std::uint64_t> answering_;  // the answer the Owner is handling
    Ending ending_;                           // once finished
    std::optional<std::uint64_t> also_lost_;  // see fail()
    std::vector<std::uint64_t> late_;         // given by send() after the end
    event::DeferEvent report_;                // calls report()
};

// Opens real Connections (the daemon's Transport).
class ConnectionTransport final : public Transport {
public:
    // `settings` must outlive this and every Connection it opens.
    ConnectionTransport(event::Loop& loop, const ConnectionSettings& settings)
        : loop_(loop), settings_(settings) {}
    std::unique_ptr<Channel> open(Channel::Owner& owner, Target target) override {
        return std::make_unique<Connection>(loop_, owner, settings_, std::move(target));
    }

private:
    event::Loop& loop_;
    const ConnectionSettings& settings_;
};

}  // namespace smtpsec::outbound

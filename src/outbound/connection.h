// One SMTPsec connection from us to one address of one SRV target:
// TCP connect, TLS, server authentication (decisions point 21), then the
// client session carrying any number of pipelined Emails. Its Owner (the
// Deliverer) decides what to send and what failures mean.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event/fault_guard.h"
#include "event/io_watcher.h"
#include "event/timer.h"
#include "metrics/metrics.h"
#include "net/socket.h"
#include "session/client_session.h"
#include "tls/auth.h"
#include "tls/stream.h"

namespace smtpsec::outbound {

struct Timeouts {
    double connect = 30;    // TCP + TLS + ServerHello
    double answer = 300;    // silence while Emails are unanswered
    double idle = 5;        // an unused connection is kept this long for reuse
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

struct Target {
    std::string domain;  // the recipient domain: SRVName _smtpsec.<domain>
    std::string host;    // D
    std::uint16_t port = 0;
    std::vector<tls::TlsaRecord> tlsa;  // DNSSEC-secure, empty for none
    net::Endpoint address;
};

class Connection final : private tls::Stream::Handler {
public:
    class Owner {
    public:
        virtual ~Owner() = default;
        virtual void on_established(Connection& c) = 0;
        virtual void on_answer(Connection& c, session::EmailAnswer answer) = 0;
        // The connection is finished. `established`: the session had started;
        // `abandoned`: Emails sent or queued and never answered, and after
        // an internal fault the one whose on_answer() it interrupted (the
        // Owner skips an id it has already reported).
        virtual void on_closed(Connection& c, bool established, const std::string& reason,
                               std::vector<std::uint64_t> abandoned) = 0;
    };

    Connection(event::Loop& loop, Owner& owner, const ConnectionSettings& settings, Target target);
    ~Connection() override;

    void start();
    void send(std::uint64_t id, Message email);
    // Closes in order once every Email is answered.
    void close_when_idle();
    // Ends the connection now, as a protocol failure of the server: the
    // Owner gets on_closed() with every Email not yet answered (an answer
    // it was handed before is its own). Safe from inside on_answer().
    void abort(const std::string& reason) { fail(reason); }

    bool established() const { return session_.established() && !session_.failed(); }
    std::size_t in_flight() const { return session_.in_flight(); }
    // As many Emails as one connection carries have been given to it.
    bool full() const { return emails_given_ >= settings_.max_emails_per_connection; }
    bool closing() const { return closing_; }
    const Target& target() const { return target_; }
    const tls::AuthResult& auth() const { return auth_; }
    // "mx.b.test[127.0.0.1]:4650" for logs and reports.
    std::string server() const;
    std::string tls_description() const;

private:
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
    void on_handshake_done() override;
    void on_input() override;
    void on_closed(bool clean, const std::string& reason) override;
    void on_output_drained() override;
    void flush_session();
    void arm_deadline();
    // `also_lost`: an Email taken from the session but possibly not
    // reported (a fault inside the Owner's on_answer), abandoned first.
    void fail(const std::string& reason, std::optional<std::uint64_t> also_lost = std::nullopt);
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
    session::ClientSession session_;
    Framer framer_;
    net::UniqueFd connecting_fd_;
    event::IoWatcher connect_watch_;
    event::Timer deadline_;
    std::unique_ptr<tls::Stream> stream_;
    tls::AuthResult auth_;
    bool closing_ = false;
    bool finished_ = false;
    std::uint32_t emails_given_ = 0;
    std::optional<std::uint64_t> answering_;  // the answer the Owner is handling
};

}  // namespace smtpsec::outbound

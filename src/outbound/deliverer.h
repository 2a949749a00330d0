// The outbound client (issue "SMTPsec over TLS"): delivers OutboundEmails to
// their domain over SMTPsec. Discovery (point 20), then each SRV target in
// RFC 2782 order: its TLSA records, its addresses (IPv6 and IPv4), a
// connection with server authentication (point 21). Any failure moves to
// the next address or target, the reason kept for the report. One
// connection per domain carries every Email for it, pipelined, and is kept
// open for a short idle time for reuse.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "event/timer.h"
#include "outbound/connection.h"
#include "outbound/outbound_email.h"
#include "smtpsec/signature.h"

namespace smtpsec::outbound {

class Deliverer final : private Connection::Owner {
public:
    using Callback = std::function<void(DeliveryReport)>;

    // `resolver` and `key` must outlive the Deliverer.
    Deliverer(event::Loop& loop, dns::Resolver& resolver, const SigningKey& key,
              ConnectionSettings settings);
    ~Deliverer() override;

    // The callback is called exactly once, from the loop.
    void deliver(OutboundEmail email, Callback callback);

    std::size_t connections() const;
    std::size_t pending() const { return jobs_.size(); }

private:
    struct Job {
        OutboundEmail email;
        Message message;  // signed
        Callback callback;
        std::vector<std::string> attempts;
    };
    struct Domain {
        std::string name;
        std::deque<std::uint64_t> waiting;  // jobs not on a connection
        std::unique_ptr<Connection> connection;
        bool resolving = false;
        std::vector<dns::SrvTarget> targets;
        std::size_t next_target = 0;
        dns::SrvTarget target;
        std::vector<tls::TlsaRecord> tlsa;
        std::vector<net::Endpoint> addresses;
        std::size_t next_address = 0;
    };

    // Reports `outcomes` from the loop (never inside deliver()).
    void answer_later(std::uint64_t id, std::vector<RecipientOutcome> outcomes, Callback callback);
    void start_domain(Domain& d);
    void try_next_target(Domain& d);
    void try_next_address(Domain& d);
    void note_all(Domain& d, const std::string& note);
    void finish_waiting(Domain& d, RecipientStatus status, const std::string& detail);
    void finish(std::uint64_t id, std::vector<RecipientOutcome> outcomes, const std::string& server);
    void retire(Domain& d);
    Domain* domain_of(Connection& c);
    void contain(const std::string& name, const std::function<void()>& body) noexcept;

    void on_established(Connection& c) override;
    void on_answer(Connection& c, session::EmailAnswer answer) override;
    void on_closed(Connection& c, bool established, const std::string& reason,
                   std::vector<std::uint64_t> abandoned) override;

    event::Loop& loop_;
    dns::Resolver& resolver_;
    const SigningKey& key_;
    ConnectionSettings settings_;
    std::map<std::uint64_t, Job> jobs_;
    std::map<std::string, Domain> domains_;
    // Finished connections die on the next loop turn, not inside their own callbacks.
    std::vector<std::unique_ptr<Connection>> retired_;
    event::Timer reaper_;
    std::shared_ptr<bool> alive_;
};

}  // namespace smtpsec::outbound

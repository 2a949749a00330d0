// The outbound client (issue "SMTPsec over TLS"): delivers OutboundEmails to
// their domain over SMTPsec. Per recipient domain, a walk (route.h) over
// the SRV targets of discovery (point 20) and each target's addresses, with
// server authentication (point 21) on each connection. How a connection
// ended (attempt_outcome.h) decides whether the walk moves to the next
// address, the next target, or stops: docs/outbound.md. One connection per
// domain carries every Email for it, pipelined, and is kept open for a short
// idle time for reuse.
//
// It depends on two interfaces, so that tests/outbound drives every rule
// without DNS or a network: a Discoverer (the DNS questions) and a Transport
// (connections).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "event/defer_event.h"
#include "outbound/connection.h"
#include "outbound/discoverer.h"
#include "outbound/outbound_email.h"
#include "outbound/transport.h"
#include "smtpsec/signature.h"

namespace smtpsec::outbound {

class Deliverer final {
public:
    using Callback = std::function<void(DeliveryReport)>;

    // Real DNS and real connections. `resolver` and `key` must outlive the
    // Deliverer.
    Deliverer(event::Loop& loop, dns::Resolver& resolver, const SigningKey& key, ConnectionSettings settings);
    // Any discovery and transport (tests); all three must outlive it.
    Deliverer(event::Loop& loop, Discoverer& discoverer, Transport& transport, const SigningKey& key);
    ~Deliverer();
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    // The callback is called exactly once, from the loop (never inside this
    // call), unless the Deliverer is destroyed first.
    void deliver(OutboundEmail email, Callback callback);

    std::size_t connections() const;
    std::size_t pending() const { return jobs_.size(); }

private:
    class Domain;  // one recipient domain's walk and connection (deliverer.cc)
    struct Job {
        OutboundEmail email;
        Message message;  // signed
        Callback callback;
        std::vector<std::string> attempts;
    };

    // Reports `id` (its Job then ends); `server` answered, if any.
    void finish(std::uint64_t id, std::vector<RecipientOutcome> outcomes, const std::string& server);
    // Destroys `channel` on the next loop turn: it may be calling us now.
    void retire(std::unique_ptr<Channel> channel);
    // The next loop turn: retired channels, early reports, finished domains.
    void sweep();

    // Owned only by the first constructor (declared before their users).
    ConnectionSettings settings_;
    std::unique_ptr<Discoverer> own_discoverer_;
    std::unique_ptr<Transport> own_transport_;
    Discoverer& discoverer_;
    Transport& transport_;
    const SigningKey& key_;
    std::map<std::uint64_t, Job> jobs_;
    // Reports decided inside deliver() (a bad domain, a signing failure),
    // made from the loop.
    struct EarlyReport {
        DeliveryReport report;
        Callback callback;
    };
    std::deque<EarlyReport> early_;
    std::vector<std::unique_ptr<Channel>> retired_;
    // Last: domains hold Requests and channels that must go first.
    std::map<std::string, std::unique_ptr<Domain>> domains_;
    event::DeferEvent sweeper_;
};

}  // namespace smtpsec::outbound

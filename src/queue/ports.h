// What the queue runner needs from the outside world, in the queue's own
// types (and the MTA client's, a layer below): the daemon adapts the
// outbound Deliverer and the mta::Injector to these (daemon/queue_side.*);
// tests fake them.
//
// Why interfaces: the runner's policy (retries, bounces, hand-back,
// concurrency) is tested without a network, and the queue layer does not
// depend on how delivery is done: it sees neither inbound/ nor outbound/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mta/request.h"
#include "smtpsec/bytes.h"
#include "smtpsec/message.h"

namespace smtpsec::queue {

// One delivery attempt over SMTPsec: recipients of one domain.
struct Delivery {
    std::uint64_t id = 0;                 // unique per attempt, for logs
    std::string domain;                   // the recipients' domain
    std::vector<std::string> recipients;  // bare addr-spec, all in `domain`
    Bytes message;                        // IMF as signed: trace block removed
    std::vector<Header> trace_headers;    // newest first (point 14)
    bool require_security = false;        // the sender required SMTPsec (REQUIRETLS-like)
};

enum class DeliveryStatus {
    delivered,
    permanent,  // bounce: the detail says why
    temporary,  // retry later
    use_smtp,   // the domain has no SMTPsec: hand back to the MTA (unless required)
};

struct RecipientReport {
    std::string recipient;
    DeliveryStatus status = DeliveryStatus::temporary;
    std::string detail;  // the remote answer or the local reason
};

struct DeliveryReport {
    std::vector<RecipientReport> recipients;
    std::string server;  // "mx.b.test[127.0.0.1]:4650" when one answered
};

class Transport {
public:
    virtual ~Transport() = default;
    // Delivers over SMTPsec, signing as `from_domain`. `done` is called
    // exactly once, from the loop (or, in tests, from inside deliver()).
    virtual void deliver(const std::string& from_domain, Delivery delivery,
                         std::function<void(DeliveryReport)> done) = 0;
};

class MailSubmitter {
public:
    virtual ~MailSubmitter() = default;
    // Hands mail to the MTA's re-injection port (no milter behind it):
    // hand-back and DSNs. `done` is called exactly once, from the loop.
    virtual void submit(mta::Request request, std::function<void(mta::Result)> done) = 0;
};

}  // namespace smtpsec::queue

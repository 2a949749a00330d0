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
#include <optional>
#include <string>
#include <vector>

#include "mta/request.h"
#include "smtpsec/bytes.h"
#include "smtpsec/message.h"

namespace smtpsec::queue {

// One delivery attempt over SMTPsec: recipients of one domain.
struct Delivery {
    std::uint64_t id = 0;                          // unique per attempt, for logs
    std::string domain;                            // the recipients' domain
    std::vector<std::string> recipients;           // bare addr-spec, all in `domain`
    Bytes message;                                 // IMF as signed: trace block removed
    std::vector<Header> trace_headers;             // newest first (point 14)
    std::optional<std::uint8_t> require_security;  // the extension's value, if any (docs/decisions.md point 19)
    // A forwarded Email (docs/forwarding.md): the message is the origin's
    // signed bytes, sent with its signature and chain, never signed again.
    struct PreSigned {
        SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519;
        Bytes signature;
        CertificateChain chain;  // leaf first
    };
    std::optional<PreSigned> presigned;
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
    // Hands mail that requires security (require_security = 0) to the MTA's
    // secure hand-back port, whose transport delivers only over verified
    // TLS (queue/way_out.h). A submitter without one fails it temporarily:
    // the mail waits, never leaves in clear.
    virtual void submit_secure(mta::Request request, std::function<void(mta::Result)> done) {
        (void)request;
        mta::Result result;
        result.outcome = mta::Outcome::deferred;
        result.step = mta::Step::request;
        result.reason = "no secure hand-back service configured";
        done(std::move(result));
    }
};

}  // namespace smtpsec::queue

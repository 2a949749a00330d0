// What the queue runner needs from the outside world. The daemon implements
// these with the outbound Deliverer and the SMTP injector; tests fake them.
//
// Why interfaces: the runner's policy (retries, bounces, hand-back,
// concurrency) is tested without a network, and the queue layer does not
// depend on how delivery is done.
#pragma once

#include <functional>
#include <string>

#include "inbound/smtp_injector.h"
#include "outbound/outbound_email.h"

namespace smtpsec::queue {

class Transport {
public:
    virtual ~Transport() = default;
    // Delivers over SMTPsec, signing as `from_domain`. `done` is called
    // exactly once, from the loop (or, in tests, from inside deliver()).
    virtual void deliver(const std::string& from_domain, outbound::OutboundEmail email,
                         std::function<void(outbound::DeliveryReport)> done) = 0;
};

class MailSubmitter {
public:
    virtual ~MailSubmitter() = default;
    // Hands mail to the MTA's re-injection port (no milter behind it).
    virtual void submit(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) = 0;
    // Hands mail that requires security (require_security = 0) to the MTA's
    // secure hand-back port, whose transport delivers only over verified
    // TLS (queue/way_out.h). A submitter without one fails it temporarily:
    // the mail waits, never leaves in clear.
    virtual void submit_secure(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) {
        (void)request;
        inbound::InjectResult result;
        result.temporary_failure = true;
        result.reason = "no secure hand-back service configured";
        done(std::move(result));
    }
};

}  // namespace smtpsec::queue

// LocalDelivery (the listener's view of "the next hop") over the SMTP
// injector: how an authenticated Email reaches the local MTA.
//
// Why a separate adapter: the injector speaks SMTP outcomes (per-recipient
// codes); the listener needs point 18's three answers. The mapping:
//   delivered (250 to the final dot)   -> delivered, 5xx recipients in `refused`
//   every RCPT refused with 5xx        -> delivered with all of them in `refused`
//                                         (point 18's unknown_address listing them
//                                         all is the precise answer)
//   any temporary failure              -> temporary (nothing was delivered)
//   other permanent failure            -> refused
#pragma once

#include "inbound/local_delivery.h"
#include "inbound/smtp_injector.h"

#include <vector>

namespace smtpsec::inbound {

LocalDeliveryResult to_local_delivery_result(const InjectResult& result);

class SmtpLocalDelivery : public LocalDelivery {
public:
    explicit SmtpLocalDelivery(SmtpInjector& injector) : injectors_{&injector} {}
    // Several injectors (connections to the MTA): each Email goes to the one
    // with the least work, so Emails from different SMTPsec connections are
    // re-injected side by side instead of one after the other.
    explicit SmtpLocalDelivery(std::vector<SmtpInjector*> injectors) : injectors_(std::move(injectors)) {}
    void deliver(LocalDeliveryRequest request, Callback callback) override;

private:
    std::vector<SmtpInjector*> injectors_;
};

}  // namespace smtpsec::inbound

// LocalDelivery (the listener's view of "the next hop") over the SMTP client
// to the local MTA (mta/injector.h): how an authenticated Email reaches it.
//
// Why a separate adapter: the MTA client reports SMTP outcomes (per
// recipient); the listener needs point 18's three answers. The mapping:
//   delivered (250 to the final dot)   -> delivered, refused recipients in `refused`
//   every RCPT refused with 5xx        -> delivered with all of them in `refused`
//                                         (point 18's unknown_address listing them
//                                         all is the precise answer)
//   deferred (anything temporary)      -> temporary (nothing was delivered)
//   other refusals                     -> refused
#pragma once

#include <vector>

#include "inbound/local_delivery.h"
#include "mta/injector.h"

namespace smtpsec::inbound {

LocalDeliveryResult to_local_delivery_result(const mta::Result& result);

class SmtpLocalDelivery : public LocalDelivery {
public:
    explicit SmtpLocalDelivery(mta::Injector& injector) : injectors_{&injector} {}
    // Several injectors (connections to the MTA): each Email goes to the one
    // with the least work, so Emails from different SMTPsec connections are
    // re-injected side by side instead of one after the other.
    explicit SmtpLocalDelivery(std::vector<mta::Injector*> injectors) : injectors_(std::move(injectors)) {}
    void deliver(LocalDeliveryRequest request, Callback callback) override;

private:
    std::vector<mta::Injector*> injectors_;
};

}  // namespace smtpsec::inbound

// See smtp_local_delivery.h.
#include "inbound/smtp_local_delivery.h"

namespace smtpsec::inbound {

LocalDeliveryResult to_local_delivery_result(const mta::Result& r) {
    using Kind = LocalDeliveryResult::Kind;
    LocalDeliveryResult out;
    out.reason = r.reason;
    if (r.outcome == mta::Outcome::deferred) {
        out.kind = Kind::temporary;
        return out;
    }
    for (const auto& rcpt : r.recipients)
        if (rcpt.outcome == mta::Outcome::refused) out.refused.push_back(rcpt.address);
    const bool delivered = r.outcome == mta::Outcome::delivered || r.every_recipient_refused();
    out.kind = delivered ? Kind::delivered : Kind::refused;
    return out;
}

void SmtpLocalDelivery::deliver(LocalDeliveryRequest request, Callback callback) {
    mta::Request inject;
    inject.mail_from = std::move(request.mail_from);
    inject.recipients = std::move(request.recipients);
    inject.message.push_back(Bytes::copy_of(request.head));
    if (!request.body.empty()) inject.message.push_back(std::move(request.body));
    mta::Injector* injector = injectors_.front();
    for (auto* i : injectors_)
        if (i->pending() < injector->pending()) injector = i;
    injector->send(std::move(inject), [callback = std::move(callback)](const mta::Result& result) {
        callback(to_local_delivery_result(result));
    });
}

}  // namespace smtpsec::inbound

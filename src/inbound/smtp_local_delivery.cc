// See smtp_local_delivery.h.
#include "inbound/smtp_local_delivery.h"

namespace smtpsec::inbound {

LocalDeliveryResult to_local_delivery_result(const InjectResult& r) {
    LocalDeliveryResult out;
    out.reason = r.reason;
    for (const auto& rcpt : r.recipients)
        if (rcpt.status == RecipientStatus::permanent_failure) out.refused.push_back(rcpt.address);
    if (r.delivered || r.all_recipients_refused) {
        out.kind = LocalDeliveryResult::Kind::delivered;
    } else if (r.temporary_failure) {
        out.kind = LocalDeliveryResult::Kind::temporary;
        out.refused.clear();
    } else {
        out.kind = LocalDeliveryResult::Kind::refused;
    }
    return out;
}

void SmtpLocalDelivery::deliver(LocalDeliveryRequest request, Callback callback) {
    InjectRequest inject;
    inject.mail_from = std::move(request.mail_from);
    inject.recipients = std::move(request.recipients);
    inject.message.push_back(Bytes::copy_of(request.head));
    if (!request.body.empty()) inject.message.push_back(std::move(request.body));
    SmtpInjector* injector = injectors_.front();
    for (auto* i : injectors_)
        if (i->pending() < injector->pending()) injector = i;
    injector->send(std::move(inject), [callback = std::move(callback)](InjectResult result) {
        callback(to_local_delivery_result(result));
    });
}

}  // namespace smtpsec::inbound

// See sign_email.h.
#include "outbound/sign_email.h"

namespace smtpsec::outbound {

Expected<Message, std::string> sign_email(const SigningKey& key, const OutboundEmail& email) {
    Email e;
    e.certificate_chain = 0;
    if (email.presigned) {
        // Forwarded with the origin's signature (presigned.h): not signed again.
        e.signature_method.algorithm = email.presigned->algorithm;
        e.signature = email.presigned->signature;
    } else {
        auto signature = key.sign(email.message.span());
        if (!signature) return Unexpected{"signing failed: " + signature.error()};
        e.signature_method.algorithm = key.algorithm();
        e.signature = Bytes(std::move(*signature));
    }
    e.trace_headers = email.trace_headers;
    e.recipients = email.recipients;
    e.message = email.message;
    Message m{{}, std::move(e)};
    if (email.require_security)
        m.extensions.push_back({static_cast<std::uint8_t>(ExtensionType::require_security),
                                Bytes(std::vector<std::uint8_t>{*email.require_security})});
    return m;
}

}  // namespace smtpsec::outbound

// A forwarded Email keeps the signature its origin made (thesis 6.4.5,
// issue 16, docs/forwarding.md): the queue hands the outbound side the
// original signed bytes with the original signature and certificate chain,
// and nothing is signed again.
//
// Why a separate type: sign_email() must not sign such mail with our key
// (the From is a foreign domain), and the connection's ClientHello must
// announce the origin's chain, which the Email then names as chain 0.
#pragma once

#include "smtpsec/message.h"

namespace smtpsec::outbound {

struct PreSigned {
    SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519;
    Bytes signature;         // exactly signature_length(algorithm) bytes
    CertificateChain chain;  // leaf first; announced in the ClientHello as chain 0
};

}  // namespace smtpsec::outbound

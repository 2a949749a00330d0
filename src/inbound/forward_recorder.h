// Where the listener records what a forwarded copy of an Email will need
// (issue 16, docs/forwarding.md): the original signed bytes, signature,
// chain, require_security and trace headers, kept durably by the daemon.
//
// Why an interface: the store is the daemon's (the milter reads it too, and
// the two layers may not see each other); the listener only asks for the
// marker it puts on top of the re-injected message.
#pragma once

#include <string>
#include <string_view>

#include "smtpsec/expected.h"
#include "smtpsec/message.h"

namespace smtpsec::inbound {

class ForwardRecorder {
public:
    virtual ~ForwardRecorder() = default;
    // Durable when it returns: the value of the marker field
    // (SMTPsec-Forward) for the re-injected message, or why none was made
    // (the store is full, the disk failed): the mail is still delivered,
    // and forwarded copies of it cannot keep the signature.
    // `message` is the Email Message as received (its extensions hold
    // require_security); `own_received` our Received field, ending in CRLF.
    virtual Expected<std::string, std::string> record(const Message& message, const CertificateChain& chain,
                                                      std::string_view from_domain,
                                                      std::string_view own_received) = 0;
};

}  // namespace smtpsec::inbound

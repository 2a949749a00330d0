// Where authenticated Emails go: the local MTA (through the SMTP injector),
// or a sink in tests and benchmarks. The inbound connection answers the
// client only after the result (point 18: durably in the next hop's hands).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec::inbound {

struct LocalDeliveryRequest {
    std::string id;         // our id, for logs
    std::string mail_from;  // the authenticated From address (the Email has no envelope sender)
    std::vector<std::string> recipients;
    std::string head;  // restored header section (imf::restore_for_smtp)
    Bytes body;        // a view into the Email
};

struct LocalDeliveryResult {
    enum class Kind {
        delivered,  // the MTA took the message for every recipient not in `refused`
        refused,    // the MTA refused the whole message permanently
        temporary,  // try again later; nothing was delivered
    };
    Kind kind = Kind::temporary;
    std::vector<std::string> refused;  // recipients refused permanently (5xx to RCPT)
    std::string reason;                // the MTA's answer, for the log
};

class LocalDelivery {
public:
    using Callback = std::function<void(LocalDeliveryResult)>;
    virtual ~LocalDelivery() = default;
    // The callback runs once, from the loop.
    virtual void deliver(LocalDeliveryRequest request, Callback callback) = 0;
};

}  // namespace smtpsec::inbound

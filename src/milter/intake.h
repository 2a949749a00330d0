// Where the milter hands over mail it takes from the MTA: our queue.
//
// Why an interface: the queue (src/queue) belongs to the libev side of the
// daemon; the milter calls this from libmilter's threads. take_over must be
// durable when it returns (file and directory fsync, atomic rename), because
// the milter tells the MTA to drop the recipients right after.
#pragma once

#include <string>
#include <vector>

#include "milter/forwarded.h"
#include "smtpsec/expected.h"

namespace smtpsec::milter {

struct Recipient {
    std::string as_given;  // exactly as the MTA gave it (envrcpt argv[0]), e.g. "<bob@b.test>"
    std::string address;   // bare addr-spec
    std::string domain;    // lowercase, no final dot
};

struct TakeOver {
    std::string mta_queue_id;  // {i}
    std::string sender;        // bare addr-spec; "" is the null sender
    std::string from_domain;   // the signing domain (lowercase)
    std::vector<Recipient> recipients;
    // The whole message as the MTA would deliver it is head + body (two
    // pieces, so that a large body is never copied to join them). head: our
    // Received field if the MTA's is missing, the header fields as received
    // (CRLF, folding normalised to CRLF), SMTPsec-Used and the
    // Require-SMTPsec header removed, the empty line; body: as received.
    std::string head;
    std::string body;
    bool require_security = false;
    bool tls_suffices =
        false;          // require_security = 0: SMTP over verified TLS is enough (milter/requirement.h)
    std::string login;  // normalised SASL login or certificate subject; "" none

    // A forwarded copy of an Email our listener received (forwarded.h).
    enum class Forward {
        none,
        presigned,      // head is empty, body the original signed bytes; `original` says how it was signed
        unsigned_copy,  // changed at this site: never signed (SMTP or a DSN)
    };
    Forward forward = Forward::none;
    ForwardedOriginal original;  // presigned: trace_headers are the whole list to send
};

class Intake {
public:
    virtual ~Intake() = default;
    // Our queue id, or why the message could not be stored. Thread-safe.
    // May move mail.head and mail.body out (tens of MiB: no copy is made).
    virtual Expected<std::string, std::string> take_over(TakeOver& mail) = 0;
};

}  // namespace smtpsec::milter

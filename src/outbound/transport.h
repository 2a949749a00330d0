// What the Deliverer needs of a connection to one address, and of whatever
// opens them. Connection (connection.h) is the real one over TCP and TLS;
// tests/outbound scripts fakes that end with any ConnectionOutcome, so
// every fallback rule runs without a network or a server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/socket.h"
#include "outbound/attempt_outcome.h"
#include "session/client_session.h"
#include "smtpsec/message.h"
#include "tls/auth.h"

namespace smtpsec::outbound {

// One address of one SRV target, with what authentication needs.
struct Target {
    std::string domain;  // the recipient domain: SRVName _smtpsec.<domain>
    std::string host;    // D
    std::uint16_t port = 0;
    std::vector<tls::TlsaRecord> tlsa;  // DNSSEC-secure, empty for none
    net::Endpoint address;
};

class Channel {
public:
    class Owner {
    public:
        virtual ~Owner() = default;
        virtual void on_established(Channel& c) = 0;
        virtual void on_answer(Channel& c, session::EmailAnswer answer) = 0;
        // The channel is finished (reported once, from the loop, never from
        // inside start()). `abandoned`: Emails sent or queued and never
        // answered, and after an internal fault the one whose on_answer()
        // it interrupted (the Owner skips an id it has already reported).
        virtual void on_closed(Channel& c, const Ending& ending, std::vector<std::uint64_t> abandoned) = 0;
    };

    virtual ~Channel() = default;

    virtual void start() = 0;
    virtual void send(std::uint64_t id, Message email) = 0;
    // Closes in order once every Email is answered.
    virtual void close_when_idle() = 0;
    // Ends the channel now, as a session failure of the server: the Owner
    // gets on_closed() with every Email not yet answered. Safe from inside
    // on_answer().
    virtual void abort(const std::string& reason) = 0;

    // As many Emails as one connection carries have been given to it.
    virtual bool full() const = 0;
    virtual bool closing() const = 0;
    // "mx.b.test[127.0.0.1]:4650" for logs and reports.
    virtual std::string server() const = 0;
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual std::unique_ptr<Channel> open(Channel::Owner& owner, Target target) = 0;
};

}  // namespace smtpsec::outbound

// The SMTP client to the local MTA on the gateway's libev loop: a socket and
// a timer around mta::ClientSession, which decides everything (the
// behaviour is described in client_session.h).
//
// Why a client of our own: the listener answers the SMTPsec peer only after
// the MTA's final reply, per Email, with per-recipient outcomes; that needs
// the exact reply of every RCPT and of the end of DATA. The queue uses it
// for hand-back and DSNs.
//
// The callback runs from the loop, never from inside send(). It may call
// send() or destroy the injector. Destroying the injector drops queued
// requests without calling their callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "event/defer_event.h"
#include "event/io_watcher.h"
#include "event/loop.h"
#include "event/timer.h"
#include "mta/client_session.h"
#include "mta/request.h"
#include "net/socket.h"
#include "net/unique_fd.h"

namespace smtpsec::mta {

struct InjectorConfig {
    std::string address;  // numeric IPv4 or IPv6 of the MTA's re-injection listener
    std::uint16_t port = 10026;
    std::string helo_name;  // our host name, sent in EHLO
    struct Timeouts {
        using Seconds = std::chrono::duration<double>;
        Seconds connect{10};
        Seconds reply{60};         // greeting, EHLO, RSET, MAIL, RCPT, DATA, QUIT
        Seconds data_write{60};    // no progress while sending the message
        Seconds final_reply{600};  // after the final dot (RFC 5321 4.5.3.2.6: 10 min)
        Seconds idle{30};          // an unused connection is closed after this
    } timeouts;
};

class Injector {
public:
    using Callback = std::function<void(Result)>;

    // Throws std::invalid_argument if the address or HELO name is unusable
    // (a start-up configuration error). Connects only when there is work.
    Injector(event::Loop& loop, InjectorConfig config);
    ~Injector();
    Injector(const Injector&) = delete;
    Injector& operator=(const Injector&) = delete;

    void send(Request request, Callback done);

    std::size_t pending() const { return session_.pending(); }
    bool connected() const { return session_.state() != ClientSession::State::closed; }
    // Messages completed on the current connection (for tests and logs).
    unsigned transactions_on_connection() const { return session_.transactions_on_connection(); }

private:
    void on_io(int revents);
    void read_available();
    bool flush();
    void apply();
    void open_connection();
    void close_socket();
    void arm(ClientSession::Timeout timeout);
    void watch(int events);
    void deliver_one();
    // A fault in the exchange with the MTA (not in a caller's callback)
    // ends that MTA connection like a lost one: its message is deferred (the
    // SMTPsec client sends it again; the reason says why) and the next one
    // opens a new connection. Caught here, not in the loop, which would end
    // the daemon (event/fault_guard.h).
    template <class F>
    void contain(F&& body) noexcept;

    event::Loop& loop_;
    InjectorConfig config_;
    net::Endpoint endpoint_;
    ClientSession session_;

    net::UniqueFd fd_;
    event::IoWatcher io_;
    int watching_ = 0;  // the events io_ waits for (0: stopped)
    event::Timer timer_;

    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Callback> callbacks_;       // submitted, not finished
    std::deque<std::pair<Callback, Result>> finished_;  // to call from the loop
    event::DeferEvent deliver_;
};

}  // namespace smtpsec::mta

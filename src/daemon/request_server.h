// A small server on the loop for one-request connections: the control
// socket (smtpsec-ctl) and the Prometheus endpoint.
//
// Why its own class: both read one short request, write one answer and
// close, and both must stay harmless whatever connects: a bounded number
// of connections (over it, the listening socket is not watched until one
// closes, so the kernel's backlog holds the rest), a bounded request (the
// handler says when it is too long), and a deadline per connection. It
// runs on the daemon's loop, so the handler may read the gateway's state
// (queue, listener) without locks.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "event/io_watcher.h"
#include "event/loop.h"
#include "event/timer.h"
#include "net/unique_fd.h"

namespace smtpsec::daemon {

class RequestServer {
public:
    // Given every byte received so far: nullopt while the request is
    // incomplete, else the whole answer (after which the connection closes).
    // The handler must answer once `received` reaches its own bound.
    using Handler = std::function<std::optional<std::string>(std::string_view received)>;

    struct Limits {
        std::size_t max_connections = 8;
        std::size_t max_request = 4096;  // a connection sending more is closed unanswered
        double timeout_seconds = 5;      // from accept to the last byte of the answer
    };

    // `listening`: a bound, listening, non-blocking socket (Unix or TCP).
    // `timeout_answer`: sent to a client too slow to finish its request.
    RequestServer(event::Loop& loop, net::UniqueFd listening, Limits limits, Handler handler,
                  std::string timeout_answer);
    ~RequestServer();
    RequestServer(const RequestServer&) = delete;
    RequestServer& operator=(const RequestServer&) = delete;

    void start();
    std::size_t connections() const { return open_.size(); }

private:
    struct Connection;
    void on_accept();
    void on_io(Connection& c, int revents);
    void on_timeout(Connection& c);
    void answer(Connection& c, std::string text);
    void write_some(Connection& c);
    void linger(Connection& c);
    void close(Connection& c);

    event::Loop& loop_;
    net::UniqueFd listening_;
    Limits limits_;
    Handler handler_;
    std::string timeout_answer_;
    event::IoWatcher accept_watcher_;
    std::list<std::unique_ptr<Connection>> open_;
    // Closed connections whose watcher may be the one running: freed at the
    // next callback of another watcher, never inside their own.
    std::list<std::unique_ptr<Connection>> retired_;
};

// A listening Unix stream socket at `path`, mode `mode`, group `group`
// ("" leaves the group alone). A stale socket file (nobody accepts on it)
// is replaced; one a live process answers on is an error, as is any other
// file. Throws std::runtime_error with the reason.
net::UniqueFd listen_unix(const std::string& path, unsigned mode, const std::string& group);

}  // namespace smtpsec::daemon

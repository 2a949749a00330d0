// The SMTPsec listener: accepts on the configured addresses, at most
// `max_connections` at once (accepting pauses at the limit), and owns the
// connections. Closed connections are destroyed on the next loop turn.
// Draining closes the listening sockets and ends the connections as soon as
// what they hold is answered.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "event/io_watcher.h"
#include "event/timer.h"
#include "inbound/connection.h"

namespace smtpsec::inbound {

class Listener {
public:
    Listener(InboundContext& context, std::size_t max_connections);
    ~Listener();

    // Binds and listens; returns the bound endpoint (port 0 picks one).
    Expected<net::Endpoint, std::string> listen(const net::Endpoint& at);
    // Accepts on a socket that is already bound and listening (a caller that
    // had to know the port long before the listener existed); returns its endpoint.
    net::Endpoint adopt(net::UniqueFd listening);
    // Drain: closes the listening sockets, so that new connections are
    // refused by the kernel instead of waiting in its backlog for an accept
    // that never comes; tells every connection to finish what it holds and
    // end (InboundConnection::drain).
    void stop_accepting();

    std::size_t connections() const { return connections_.size(); }
    std::uint64_t accepted() const { return accepted_; }

private:
    void on_acceptable(int fd);
    void update_accepting();

    InboundContext& ctx_;
    std::size_t max_connections_;
    struct Socket {
        net::UniqueFd fd;
        std::unique_ptr<event::IoWatcher> watcher;
    };
    std::vector<Socket> sockets_;
    std::map<InboundConnection*, std::unique_ptr<InboundConnection>> connections_;
    std::vector<std::unique_ptr<InboundConnection>> retired_;
    event::Timer reaper_;
    bool accepting_ = true;
    std::uint64_t accepted_ = 0;
};

}  // namespace smtpsec::inbound

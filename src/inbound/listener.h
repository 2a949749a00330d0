// The SMTPsec listener: accepts on the configured addresses, at most
// `max_connections` at once (accepting pauses at the limit) and at most
// `per_source` from one source (source_limit.h: closed at accept, logged at
// most once per interval), and owns the connections. Closed connections are destroyed on the next loop turn.
// Draining closes the listening sockets and ends the connections as soon as
// what they hold is answered.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "event/defer_event.h"
#include "event/io_watcher.h"
#include "inbound/connection.h"
#include "inbound/log_limiter.h"
#include "inbound/source_limit.h"

namespace smtpsec::inbound {

class Listener {
public:
    // per_source 0: no limit but max_connections (tests with many
    // connections from one loopback address); the daemon passes its own.
    Listener(InboundContext& context, std::size_t max_connections, std::size_t per_source = 0);
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
    // Connections closed at accept because their source held its share.
    std::uint64_t refused_per_source() const { return refused_per_source_; }
    // held_bytes() of every connection (issue 13: the memory budget).
    std::uint64_t held_bytes() const;
    // The largest peak_held_bytes() of the open connections.
    std::uint64_t peak_held_bytes() const;

private:
    void on_acceptable(int fd);
    void update_accepting();

    InboundContext& ctx_;
    std::size_t max_connections_;
    SourceLimit sources_;
    LogLimiter refusal_log_{1, LogLimiter::kInterval};
    std::uint64_t refused_per_source_ = 0;
    struct Socket {
        net::UniqueFd fd;
        std::unique_ptr<event::IoWatcher> watcher;
    };
    std::vector<Socket> sockets_;
    std::map<InboundConnection*, std::unique_ptr<InboundConnection>> connections_;
    // Ended connections wait here for the next loop turn: `done` is called
    // from inside the connection, which must not be destroyed under itself.
    std::vector<std::unique_ptr<InboundConnection>> retired_;
    event::DeferEvent reaper_;
    bool accepting_ = true;
    std::uint64_t accepted_ = 0;
};

}  // namespace smtpsec::inbound

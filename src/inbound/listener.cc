// See listener.h.
#include "inbound/listener.h"

#include <ev.h>

#include "log/log.h"

namespace smtpsec::inbound {

Listener::Listener(InboundContext& context, std::size_t max_connections)
    : ctx_(context), max_connections_(max_connections), reaper_(context.loop, [this] { retired_.clear(); }) {}

Listener::~Listener() = default;

Expected<net::Endpoint, std::string> Listener::listen(const net::Endpoint& at) {
    auto fd = net::listen_on(at);
    if (!fd) return Unexpected{fd.error()};
    return adopt(std::move(*fd));
}

net::Endpoint Listener::adopt(net::UniqueFd listening) {
    Socket s{std::move(listening), nullptr};
    int raw = s.fd.get();
    s.watcher = std::make_unique<event::IoWatcher>(ctx_.loop, [this, raw](int) { on_acceptable(raw); });
    s.watcher->start(raw, EV_READ);
    auto bound = net::local_endpoint(raw);
    sockets_.push_back(std::move(s));
    log::info("listening for SMTPsec on {}", bound.to_string());
    return bound;
}

void Listener::stop_accepting() {
    if (!accepting_) return;
    accepting_ = false;
    for (auto& s : sockets_) {
        s.watcher->stop();
        log::info("no longer listening on {}", net::local_endpoint(s.fd.get()).to_string());
    }
    sockets_.clear();  // each watcher goes before its fd (member order)
    // A connection that ends at once calls `done`, which moves it from
    // connections_ to retired_ (alive until the next loop turn): walk a copy.
    std::vector<InboundConnection*> open;
    for (auto& [conn, owned] : connections_) open.push_back(conn);
    for (auto* conn : open) conn->drain();
}

void Listener::update_accepting() {
    bool room = connections_.size() < max_connections_;
    for (auto& s : sockets_) {
        if (accepting_ && room && !s.watcher->active()) s.watcher->start(s.fd.get(), EV_READ);
        if ((!accepting_ || !room) && s.watcher->active()) s.watcher->stop();
    }
}

void Listener::on_acceptable(int fd) {
    while (connections_.size() < max_connections_) {
        auto accepted = net::accept_from(fd);
        if (!accepted) {
            log::warning("accept: {}", accepted.error());
            break;
        }
        if (!*accepted) break;
        ++accepted_;
        // The connection never calls `done` from inside its constructor, so
        // the slot is filled before it can be used.
        auto slot = std::make_shared<InboundConnection*>(nullptr);
        std::unique_ptr<InboundConnection> conn;
        try {  // a fault while setting one connection up drops that one only
            conn = std::make_unique<InboundConnection>(ctx_, std::move(*accepted), [this, slot] {
                auto it = connections_.find(*slot);
                if (it == connections_.end()) return;
                retired_.push_back(std::move(it->second));
                connections_.erase(it);
                reaper_.start(event::Timer::Seconds(0));
                update_accepting();
            });
        } catch (const std::exception& e) {
            log::error("accept: cannot set up the connection: {}", e.what());
            continue;
        }
        *slot = conn.get();
        connections_.emplace(conn.get(), std::move(conn));
    }
    update_accepting();
}

}  // namespace smtpsec::inbound

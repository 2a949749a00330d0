// See listener.h.
#include "inbound/listener.h"

#include <ev.h>

#include <algorithm>

#include "log/log.h"

namespace smtpsec::inbound {

Listener::Listener(InboundContext& context, std::size_t max_connections, std::size_t per_source)
    : ctx_(context),
      max_connections_(max_connections),
      sources_(per_source != 0 ? per_source : std::max<std::size_t>(1, max_connections)),
      reaper_(context.loop, [this] { retired_.clear(); }) {}

std::uint64_t Listener::peak_held_bytes() const {
    std::uint64_t peak = 0;
    for (const auto& [conn, owned] : connections_) peak = std::max(peak, conn->peak_held_bytes());
    return peak;
}

std::uint64_t Listener::held_bytes() const {
    std::uint64_t held = 0;
    for (const auto& [conn, owned] : connections_) held += conn->held_bytes();
    return held;
}

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
        const auto peer = net::peer_endpoint(accepted->get());
        std::string source = SourceLimit::source_of(peer);
        if (!sources_.admit(source)) {
            // Closed at once (the fd goes with `accepted`): no TLS, no state.
            ++refused_per_source_;
            const double now = ctx_.loop.now();
            if (refusal_log_.allow(now))
                log::warning("{}: refused: {} connections from {} already (max_connections_per_source)",
                             peer.to_string(), sources_.per_source(), source);
            if (auto n = refusal_log_.summary(now))
                log::warning("{} further connection(s) refused over max_connections_per_source", *n);
            continue;
        }
        ++accepted_;
        // The connection never calls `done` from inside its constructor, so
        // the slot is filled before it can be used.
        auto slot = std::make_shared<InboundConnection*>(nullptr);
        std::unique_ptr<InboundConnection> conn;
        try {  // a fault while setting one connection up drops that one only
            conn = std::make_unique<InboundConnection>(ctx_, std::move(*accepted), [this, slot, source] {
                auto it = connections_.find(*slot);
                if (it == connections_.end()) return;
                sources_.release(source);
                retired_.push_back(std::move(it->second));
                connections_.erase(it);
                reaper_.schedule();
                update_accepting();
            });
        } catch (const std::exception& e) {
            sources_.release(source);
            log::error("accept: cannot set up the connection: {}", e.what());
            continue;
        }
        *slot = conn.get();
        connections_.emplace(conn.get(), std::move(conn));
    }
    update_accepting();
}

}  // namespace smtpsec::inbound

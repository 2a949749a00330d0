// A scriptable hostile SMTPsec server for tests of our outbound client:
// real TLS with a certificate the client accepts (the test PKI with CT, at
// the SRV target of a real signed zone), then whatever the test's script
// writes: well-formed answers, answers for Emails never sent, garbage
// frames, a ServerHello that never ends, huge Errors, a sudden close. Why:
// our own listener never misbehaves, and the client must be shown to
// survive a server that does, without marking undelivered mail delivered.
#pragma once

#include <ev.h>

#include <list>

#include "gateway_harness.h"
#include "net/socket.h"
#include "smtpsec/codec.h"
#include "tls/stream.h"

namespace smtpsec::test {

class HostileServer {
public:
    // One accepted connection.
    class Peer final : private tls::Stream::Handler {
    public:
        std::vector<Message> received;  // from the client, decoded
        std::size_t undecodable = 0;
        bool closed = false;

        Peer(HostileServer& server, net::UniqueFd fd)
            : server_(server), trickle_(server.loop_, [this] { drip(); }) {
            auto tls = tls::Connection::server(std::move(fd), server.credentials_);
            REQUIRE(tls);
            stream_ = std::make_unique<tls::Stream>(server.loop_, std::move(*tls), framer_,
                                                    static_cast<tls::Stream::Handler&>(*this));
            stream_->start();
        }

        void send(const Message& m) { send_raw(encode(m)); }
        void send_raw(std::vector<std::uint8_t> bytes) {
            if (stream_) stream_->write(bytes);
        }
        // Writes `bytes` one byte every `interval` seconds.
        void trickle(std::vector<std::uint8_t> bytes, double interval) {
            drip_ = std::move(bytes);
            drip_at_ = 0;
            trickle_.start(event::Timer::Seconds(interval), event::Timer::Seconds(interval));
        }
        // close_notify once the output is written.
        void close() {
            if (stream_) stream_->shutdown();
        }
        // The TCP connection dropped without close_notify.
        void reset() {
            trickle_.stop();
            stream_.reset();
            closed = true;
        }
        std::size_t bytes_sent() const { return drip_at_; }
        // Drops the TCP connection once what was sent is written: unread
        // input makes the kernel answer with a reset.
        void reset_after_write() { reset_when_drained_ = true; }

    private:
        void on_output_drained() override {
            if (reset_when_drained_) reset();  // the Stream allows this from its callback
        }
        void on_handshake_done() override {
            if (server_.on_start) server_.on_start(*this);
        }
        void on_input() override {
            while (auto ev = framer_.next()) {
                auto* f = std::get_if<Framer::Frame>(&*ev);
                if (!f) {
                    ++undecodable;
                    continue;
                }
                auto m = decode(f->bytes);
                if (!m) {
                    ++undecodable;
                    continue;
                }
                received.push_back(std::move(*m));
                auto number = static_cast<std::uint32_t>(received.size() - 1);
                if (server_.on_message) server_.on_message(*this, number, received.back());
                if (closed) return;
            }
        }
        void on_closed(bool, const std::string&) override {
            closed = true;
            trickle_.stop();
        }
        void drip() {
            if (!stream_ || drip_at_ >= drip_.size()) {
                trickle_.stop();
                return;
            }
            std::vector<std::uint8_t> one{drip_[drip_at_++]};
            stream_->write(one);
        }

        HostileServer& server_;
        Framer framer_{64 << 20};
        std::unique_ptr<tls::Stream> stream_;
        event::Timer trickle_;
        std::vector<std::uint8_t> drip_;
        std::size_t drip_at_ = 0;
        bool reset_when_drained_ = false;
    };

    // Called once the TLS handshake is done: by default a proper ServerHello.
    std::function<void(Peer&)> on_start = [](Peer& p) { p.send(Message{{}, ServerHello{0}}); };
    // Called for each Message from the client, numbered as docs/decisions.md
    // point 15 counts.
    std::function<void(Peer&, std::uint32_t, const Message&)> on_message;
    std::list<Peer> peers;

    HostileServer(event::Loop& loop, std::shared_ptr<const tls::Credentials> credentials,
                  net::UniqueFd listening)
        : loop_(loop),
          credentials_(std::move(credentials)),
          fd_(std::move(listening)),
          watch_(loop, [this](int) { on_acceptable(); }) {
        watch_.start(fd_.get(), EV_READ);
    }
    HostileServer(const HostileServer&) = delete;
    HostileServer& operator=(const HostileServer&) = delete;

    std::uint16_t port() const { return net::local_endpoint(fd_.get()).port(); }
    Peer& last() {
        REQUIRE(!peers.empty());
        return peers.back();
    }
    // A fresh script for the next case; earlier connections are dropped.
    void reset_script() {
        peers.clear();
        on_start = [](Peer& p) { p.send(Message{{}, ServerHello{0}}); };
        on_message = nullptr;
    }

private:
    void on_acceptable() {
        for (;;) {
            auto accepted = net::accept_from(fd_.get());
            if (!accepted || !*accepted) return;
            peers.emplace_back(*this, std::move(*accepted));
        }
    }

    event::Loop& loop_;
    std::shared_ptr<const tls::Credentials> credentials_;
    net::UniqueFd fd_;
    event::IoWatcher watch_;
};

}  // namespace smtpsec::test

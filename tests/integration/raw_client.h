// A deliberately dumb SMTPsec client for integration tests: TLS with ALPN
// smtpsec/0 (tls::Connection + tls::Stream), then whatever bytes the test
// writes, well formed or not. It decodes what the server answers and
// records whether the server closed. Why: the real client (outbound) never
// sends malformed Messages, and the server must be shown to answer them
// with the spec's errors and survive.
#pragma once

#include <poll.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway_harness.h"
#include "net/socket.h"
#include "smtpsec/codec.h"
#include "tls/stream.h"

namespace smtpsec::test {

class RawClient final : private tls::Stream::Handler {
public:
    std::vector<Message> received;
    std::vector<std::string> undecodable;
    bool handshaken = false;
    bool closed = false;
    std::string close_reason;

    RawClient(event::Loop& loop, std::uint16_t port, const std::string& server_name) : loop_(loop) {
        auto at = net::Endpoint::parse("127.0.0.1", port);
        REQUIRE(at);
        auto fd = net::start_connect(*at);
        REQUIRE(fd);
        pollfd p{fd->get(), POLLOUT, 0};
        REQUIRE(::poll(&p, 1, 5000) == 1);
        REQUIRE(net::connect_result(fd->get()) == 0);
        auto creds = tls::Credentials::client();
        REQUIRE(creds);
        auto conn = tls::Connection::client(std::move(*fd), *creds, server_name);
        REQUIRE(conn);
        stream_ = std::make_unique<tls::Stream>(loop, std::move(*conn), framer_,
                                                static_cast<tls::Stream::Handler&>(*this));
        stream_->start();
    }

    void send(std::vector<std::uint8_t> bytes) { stream_->write(bytes); }
    void send(const Message& m) { send(encode(m)); }

    // Runs the loop until `count` Messages arrived (or the server closed).
    bool wait_for(std::size_t count, double seconds = 10) {
        return run_until(
                   loop_, [&] { return received.size() >= count || closed; }, seconds) &&
               received.size() >= count;
    }
    bool wait_closed(double seconds = 10) {
        return run_until(
            loop_, [&] { return closed; }, seconds);
    }

    // The Error answering `i`-th received Message, if that is what it is.
    std::optional<Error> error_at(std::size_t i) const {
        if (i >= received.size()) return std::nullopt;
        if (auto* e = std::get_if<Error>(&received[i].body)) return *e;
        return std::nullopt;
    }

private:
    void on_handshake_done() override { handshaken = true; }
    void on_input() override {
        while (auto ev = framer_.next()) {
            if (auto* f = std::get_if<Framer::Frame>(&*ev)) {
                auto m = decode(f->bytes);
                if (m)
                    received.push_back(std::move(*m));
                else
                    undecodable.push_back(m.error().reason);
            } else {
                undecodable.push_back("unframable input");
            }
        }
    }
    void on_closed(bool clean, const std::string& reason) override {
        closed = true;
        close_reason = clean ? "clean" : reason;
    }

    event::Loop& loop_;
    Framer framer_{1 << 20};
    std::unique_ptr<tls::Stream> stream_;
};

// A frame header: the 8-byte size (the whole Message), the type byte and an
// extension count of zero, followed by `rest`.
inline std::vector<std::uint8_t> raw_frame(std::uint64_t size, std::uint8_t type,
                                           const std::vector<std::uint8_t>& rest = {}) {
    std::vector<std::uint8_t> out;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(size >> shift));
    out.push_back(type);
    out.push_back(0);
    out.push_back(0);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

}  // namespace smtpsec::test

// Real sockets on loopback: the outcome a real Connection reports for a
// connect that times out and one that is refused, and the real Connection
// under the Deliverer walking from a timed-out [::1] to 127.0.0.1.
//
// A connect timeout on loopback without a network namespace: a listening
// socket with a backlog of 0 whose one queue slot is taken by a connection
// nobody accepts. Linux then drops every further SYN (the accept queue is
// full), so the next connect is never answered until our deadline.
#include <catch2/catch.hpp>

#include <ev.h>
#include <poll.h>

#include <optional>

#include "fakes.h"
#include "net/socket.h"
#include "outbound/connection.h"
#include "outbound/deliverer.h"
#include "support.h"

using namespace smtpsec;
using namespace smtpsec::outbound;
using namespace smtpsec::outbound::test;

namespace {

// A listener on `ip` whose accept queue is full: connects to it time out.
struct Blackhole {
    net::UniqueFd listener;
    net::UniqueFd occupant;
    net::Endpoint at;

    explicit Blackhole(const std::string& ip) {
        auto any = net::Endpoint::parse(ip, 0);
        REQUIRE(any);
        auto l = net::listen_on(*any, 0);
        REQUIRE(l);
        listener = std::move(*l);
        at = net::local_endpoint(listener.get());
        auto c = net::start_connect(at);
        REQUIRE(c);
        occupant = std::move(*c);
        pollfd p{occupant.get(), POLLOUT, 0};
        REQUIRE(::poll(&p, 1, 2000) == 1);
        REQUIRE(net::connect_result(occupant.get()) == 0);
    }
};

struct Recorder final : Channel::Owner {
    std::optional<Ending> ending;
    std::vector<std::uint64_t> abandoned;
    void on_established(Channel&) override {}
    void on_answer(Channel&, session::EmailAnswer) override {}
    void on_closed(Channel&, const Ending& e, std::vector<std::uint64_t> ids) override {
        ending = e;
        abandoned = std::move(ids);
    }
};

ConnectionSettings quick_settings() {
    ConnectionSettings s;  // no credentials: these connections never reach TLS
    s.timeouts.connect = 0.3;
    return s;
}

}  // namespace

TEST_CASE("a real connect that is never answered ends as connect_timeout, not as a missing ServerHello",
          "[outbound][loopback]") {
    Blackhole hole("127.0.0.1");
    event::Loop loop;
    Recorder owner;
    auto settings = quick_settings();
    Connection c(loop, owner, settings, Target{"b.test", "mx1.b.test", hole.at.port(), {}, hole.at});
    c.start();
    c.send(7, Message{});
    REQUIRE(run_until(loop, [&] { return owner.ending.has_value(); }));
    CHECK(name_of(owner.ending->outcome) == "connect_timeout");
    CHECK_FALSE(owner.ending->established);
    CHECK(owner.ending->detail == "connect timed out after 0.3s");
    CHECK(owner.abandoned == std::vector<std::uint64_t>{7});
}

TEST_CASE("a real connect to a closed port ends as connect_refused, reported from the loop",
          "[outbound][loopback]") {
    net::Endpoint closed;
    {
        Blackhole hole("127.0.0.1");  // a port that was just free, now closed again
        closed = hole.at;
    }
    event::Loop loop;
    Recorder owner;
    auto settings = quick_settings();
    Connection c(loop, owner, settings, Target{"b.test", "mx1.b.test", closed.port(), {}, closed});
    c.start();
    CHECK_FALSE(owner.ending.has_value());
    REQUIRE(run_until(loop, [&] { return owner.ending.has_value(); }));
    CHECK(name_of(owner.ending->outcome) == "connect_refused");
}

TEST_CASE("the Deliverer over real connections: [::1] times out, then 127.0.0.1 of the same target is tried",
          "[outbound][loopback]") {
    Blackhole hole("::1");
    auto v4 = net::Endpoint::parse("127.0.0.1", hole.at.port());
    REQUIRE(v4);
    {
        // 127.0.0.1 on the same port should be closed: refused at once.
        auto probe = net::listen_on(*v4);
        if (!probe) {
            WARN("127.0.0.1:" << hole.at.port() << " is in use: not run");
            return;
        }
    }
    event::Loop loop;
    fake::Transcript transcript;
    fake::FakeDiscoverer dns{loop, transcript};
    dns.srv["b.test"] = srv_targets({{"mx1.b.test", hole.at.port(), 10, 0}});
    dns.addrs["mx1.b.test"] = addresses("mx1.b.test", {"::1"}, {"127.0.0.1"});
    auto settings = quick_settings();
    ConnectionTransport transport(loop, settings);
    Deliverer deliverer(loop, dns, transport, test_key());
    std::optional<DeliveryReport> report;
    OutboundEmail e;
    e.id = 1;
    e.domain = "b.test";
    e.recipients = {"bob@b.test"};
    e.message = Bytes::copy_of(std::string("From: alice@a.test\r\n\r\nHi\r\n"));
    deliverer.deliver(std::move(e), [&](DeliveryReport r) { report = std::move(r); });
    REQUIRE(run_until(loop, [&] { return report.has_value(); }));
    auto port = hole.at.port();
    CHECK(report->attempts == std::vector<std::string>{
                                  fmt::format("mx1.b.test[::1]:{}: connect timed out after 0.3s", port),
                                  fmt::format("mx1.b.test[127.0.0.1]:{}: connect: Connection refused", port),
                              });
    CHECK(report->recipients.at(0).status == RecipientStatus::temporary);
}

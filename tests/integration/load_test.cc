// Load on one listener (issue 4): 500 concurrent inbound connections, of
// which 50 send one byte a second (25 after the TLS handshake, 25 before it,
// on plain TCP). The listener's deadlines are short here (3 s) so the test
// stays under a minute. Asserted: no crash, every slow connection is cut off
// by the server, each of the 450 honest connections gets its Email
// delivered, and the process's RSS grows by a bounded amount.
#include <sys/resource.h>

#include <fstream>

#include "outbound/sign_email.h"
#include "process_limits.h"
#include "raw_client.h"
#include "sites.h"

using namespace smtpsec;
using namespace smtpsec::test;

namespace {

constexpr int kHonest = 450, kSlowTls = 25, kSlowTcp = 25;

// A TCP client that never finishes its TLS handshake: a byte a second.
struct TcpTrickler {
    net::UniqueFd fd;
    event::Timer tick;
    bool cut = false;
    TcpTrickler(event::Loop& loop, std::uint16_t port) : tick(loop, [this] { step(); }) {
        auto at = net::Endpoint::parse("127.0.0.1", port);
        REQUIRE(at);
        auto f = net::start_connect(*at);
        REQUIRE(f);
        fd = std::move(*f);
        tick.start(event::Timer::Seconds(0.01), event::Timer::Seconds(1));
    }
    void step() {
        const char byte = 0x16;  // the start of a TLS record, forever incomplete
        if (::send(fd.get(), &byte, 1, MSG_NOSIGNAL) != 1) {
            cut = true;
            tick.stop();
        }
    }
};

}  // namespace

TEST_CASE("500 concurrent connections, 50 of them trickling: timeouts fire, honest clients are served",
          "[integration][load]") {
    raise_fd_limit(1200);
    Sites s;
    auto ga = s.pki.leaf({"mx.ga.test"});
    s.add({"ga.test", ga, {}});
    s.add({"gb.test", s.pki.leaf({"mx.gb.test"}), {}, [](inbound::InboundSettings& st) {
               st.handshake_timeout = 3;
               st.read_timeout = 3;
               st.idle_timeout = 10;
           }});
    s.start();
    auto& site = s.site("gb.test");
    auto sender = s.sender(ga, "ga");  // for its identity
    outbound::OutboundEmail e;
    e.domain = "gb.test";
    e.recipients = {"bob@gb.test"};
    e.message = Bytes::copy_of(
        "SMTPsec-Used:\r\nFrom: alice@ga.test\r\nTo: bob@gb.test\r\nSubject: load\r\n\r\nHi.\r\n");
    auto signed_email = outbound::sign_email(sender.identity.key, e);
    REQUIRE(signed_email);
    const Message hello{{}, ClientHello{0, {sender.identity.chain}}};

    // Warm the DNS cache and the code paths before measuring memory.
    {
        RawClient warm(s.loop, site.port, "mx.gb.test");
        REQUIRE(warm.wait_for(1));
        warm.send(hello);
        warm.send(*signed_email);
        REQUIRE(warm.wait_for(2));
        REQUIRE(std::holds_alternative<EmailDelivered>(warm.received[1].body));
    }
    site.delivery.delivered.clear();
    const long rss_before = rss_kib();
    const auto start = std::chrono::steady_clock::now();

    std::vector<std::unique_ptr<TcpTrickler>> tcp;
    for (int i = 0; i < kSlowTcp; ++i) tcp.push_back(std::make_unique<TcpTrickler>(s.loop, site.port));
    std::vector<std::unique_ptr<RawClient>> slow, honest;
    for (int i = 0; i < kSlowTls; ++i)
        slow.push_back(std::make_unique<RawClient>(s.loop, site.port, "mx.gb.test"));
    for (int i = 0; i < kHonest; ++i)
        honest.push_back(std::make_unique<RawClient>(s.loop, site.port, "mx.gb.test"));

    // The slow TLS clients send a valid ClientHello one byte a second.
    const auto hello_bytes = encode(hello);
    std::size_t trickled = 0;
    event::Timer trickle(s.loop, [&] {
        for (auto& c : slow)
            if (c->handshaken && !c->closed && trickled < hello_bytes.size())
                c->send(std::vector<std::uint8_t>{hello_bytes[trickled]});
        ++trickled;
    });
    trickle.start(event::Timer::Seconds(1), event::Timer::Seconds(1));

    // Honest clients send as soon as the ServerHello is in.
    std::vector<bool> sent(kHonest, false);
    std::size_t peak_connections = 0;
    auto honest_done = [&] {
        std::size_t done = 0;
        for (int i = 0; i < kHonest; ++i) {
            auto& c = *honest[static_cast<std::size_t>(i)];
            if (!sent[static_cast<std::size_t>(i)] && !c.received.empty()) {
                c.send(hello);
                c.send(*signed_email);
                sent[static_cast<std::size_t>(i)] = true;
            }
            if (c.received.size() >= 2 || c.closed) ++done;
        }
        peak_connections = std::max(peak_connections, site.listener->connections());
        return done == static_cast<std::size_t>(kHonest);
    };
    REQUIRE(run_until(s.loop, honest_done, 40));
    const double honest_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long rss_peak = rss_kib();

    int delivered = 0;
    for (auto& c : honest) {
        if (c->received.size() >= 2 && std::holds_alternative<EmailDelivered>(c->received[1].body))
            ++delivered;
    }
    CHECK(delivered == kHonest);
    CHECK(site.delivery.delivered.size() == static_cast<std::size_t>(kHonest));
    CHECK(peak_connections >= static_cast<std::size_t>(kHonest));

    // The slow ones are cut off by the server's deadlines (3 s), well before
    // they could finish (the ClientHello alone takes minutes at 1 byte/s).
    auto slow_cut = [&] {
        for (auto& c : slow)
            if (!c->closed) return false;
        for (auto& t : tcp)
            if (!t->cut) return false;
        return true;
    };
    REQUIRE(run_until(s.loop, slow_cut, 15));
    trickle.stop();
    const double slow_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(slow_seconds < 9);
    CHECK(trickled < hello_bytes.size());
    for (auto& c : slow) CHECK(c->received.size() == 1);  // the ServerHello, nothing else

    // Closing the honest clients empties the listener.
    honest.clear();
    slow.clear();
    tcp.clear();
    REQUIRE(run_until(
        s.loop, [&] { return site.listener->connections() == 0; }, 15));
    const long rss_growth_mib = (rss_peak - rss_before) / 1024;
    WARN("450 honest delivered in " << honest_seconds << " s; slow cut off after " << slow_seconds
                                    << " s; peak connections " << peak_connections << "; RSS "
                                    << rss_before / 1024 << " MiB -> " << rss_peak / 1024 << " MiB");
    CHECK(rss_growth_mib < 200);
}

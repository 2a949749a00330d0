// The resolver's own query timeout: a stub that never answers gives defer
// "timeout" to every waiter, and answers arriving after a timeout are
// ignored safely.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "dns/resolver.h"
#include "event/timer.h"
#include "support/dns_fixture.h"

using namespace smtpsec::dns;
using smtpsec::event::Loop;
using smtpsec::test::DnsFixture;
using namespace std::chrono_literals;

namespace {

// A UDP socket on 127.0.0.1 that receives queries and never answers.
struct Blackhole {
    int fd = -1;
    std::uint16_t port = 0;
    Blackhole() {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
    }
    ~Blackhole() { close(fd); }
};

void run_for(Loop& loop, std::chrono::milliseconds how_long) {
    smtpsec::event::Timer stop(loop, [&] { loop.break_loop(); });
    stop.start(how_long);
    loop.run();
}

}  // namespace

TEST_CASE("a server that never answers: defer \"timeout\" for every waiter",
          "[resolver][integration][timeout]") {
    Blackhole hole;
    const auto config_path = std::filesystem::path(DnsFixture::shared().dir()) / "blackhole.conf";
    {
        std::ofstream conf(config_path);
        conf << "server:\n"
             << "    local-zone: \"test.\" nodefault\n"
             << "    do-not-query-localhost: no\n"
             << "    trust-anchor-file: \"" << DnsFixture::shared().trust_anchor() << "\"\n"
             << "stub-zone:\n"
             << "    name: \"test.\"\n"
             << "    stub-addr: 127.0.0.1@" << hole.port << "\n";
    }
    ResolverConfig config;
    config.trust_anchor_file.clear();
    config.unbound_config = config_path.string();
    config.query_timeout = 300ms;

    Loop loop;
    Resolver resolver(loop, config);
    int discoveries = 0;
    std::optional<TlsaResult> tlsa;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        resolver.discover("a.test", [&](const Discovery& d) {
            CHECK(d.verdict == Verdict::defer);
            CHECK(d.reason == "lookup failed: timeout");
            ++discoveries;
        });
    }
    resolver.tlsa(4650, "mx.a.test", [&](const TlsaResult& t) { tlsa = t; });
    while (discoveries < 3 || !tlsa) loop.run_once();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 3s);
    CHECK(tlsa->verdict == TlsaVerdict::defer);
    CHECK_THAT(tlsa->reason, Catch::Contains("timeout"));
    CHECK(resolver.queries_in_flight() == 0);
    // The server really was asked (the stub pointed there): it got queries.
    char buffer[512];
    CHECK(recv(hole.fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0);
}

TEST_CASE("answers that arrive after the timeout are ignored", "[resolver][integration][timeout]") {
    // Timeout 0: the deadline passes before any cold lookup (several round
    // trips to nsd plus validation) can come back; the real answers then
    // arrive for queries already answered with "timeout".
    Loop loop;
    Resolver resolver(loop, DnsFixture::shared().resolver_config(0ms));
    int calls = 0;
    int timeouts = 0;
    for (int i = 0; i < 5; ++i) {
        resolver.discover("d" + std::to_string(500 + i) + ".bench.test", [&](const Discovery& d) {
            ++calls;
            if (d.verdict == Verdict::defer && d.reason == "lookup failed: timeout") ++timeouts;
        });
    }
    while (calls < 5) loop.run_once();
    CHECK(timeouts == 5);
    CHECK(resolver.queries_in_flight() == 0);
    run_for(loop, 300ms);  // late answers come and must change nothing
    CHECK(calls == 5);
}

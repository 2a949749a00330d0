// Every verdict and reason of discovery, TLSA and addresses, produced by real
// DNSSEC validation against the signed zones of tests/fixtures/dns.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "dns_test_helpers.h"
#include "event/timer.h"
#include "resolver_helpers.h"
#include "support/dns_fixture.h"

using namespace smtpsec::dns;
using smtpsec::dns::testing::wait_for;
using smtpsec::event::Loop;
using smtpsec::test::DnsFixture;

namespace {

struct World {
    Loop loop;
    Resolver resolver{loop, DnsFixture::shared().resolver_config()};

    Discovery discover(std::string_view domain) {
        return wait_for<Discovery>(loop, [&](auto done) { resolver.discover(domain, done); });
    }
    TlsaResult tlsa(std::uint16_t port, std::string_view host) {
        return wait_for<TlsaResult>(loop, [&](auto done) { resolver.tlsa(port, host, done); });
    }
    AddressResult addresses(std::string_view host) {
        return wait_for<AddressResult>(loop, [&](auto done) { resolver.addresses(host, done); });
    }
};

// The TLSA data the fixture published for `zone` (read from its zone file),
// so the test compares with what was signed, not with a copy of it.
std::vector<std::uint8_t> published_tlsa_data(const std::string& zone) {
    std::ifstream in(DnsFixture::shared().dir() + "/" + zone + ".zone");
    std::string line;
    const std::string marker = "IN TLSA 3 1 1 ";
    while (std::getline(in, line)) {
        const auto at = line.find(marker);
        if (at == std::string::npos) continue;
        const std::string hex = line.substr(at + marker.size());
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        }
        return out;
    }
    FAIL("no TLSA record in the fixture's " << zone << " zone file");
    return {};
}

}  // namespace

TEST_CASE("signed domains with SRV records: smtpsec", "[resolver][integration]") {
    World w;
    const auto a = w.discover("a.test");
    CHECK(a.verdict == Verdict::smtpsec);
    CHECK(a.security == Security::secure);
    CHECK(a.query == "_smtpsec._tcp.a.test");
    REQUIRE(a.targets.size() == 1);
    CHECK(a.targets[0] == SrvTarget{"mx.a.test", 4650, 0, 0});

    const auto b = w.discover("B.Test.");
    CHECK(b.verdict == Verdict::smtpsec);
    REQUIRE(b.targets.size() == 1);
    CHECK(b.targets[0].host == "mx.b.test");
}

TEST_CASE("secure absence: none_secure", "[resolver][integration]") {
    World w;
    const auto nodata = w.discover("nodata.test");
    CHECK(nodata.verdict == Verdict::none_secure);
    CHECK_THAT(nodata.reason, Catch::Contains("NODATA"));

    for (const char* name : {"nosuch.a.test", "nosuch.test"}) {
        INFO(name);
        const auto nx = w.discover(name);
        CHECK(nx.verdict == Verdict::none_secure);
        CHECK(nx.security == Security::secure);
        CHECK_THAT(nx.reason, Catch::Contains("NXDOMAIN"));
    }

    const auto dot = w.discover("dot.test");
    CHECK(dot.verdict == Verdict::none_secure);
    CHECK(dot.targets.empty());
    REQUIRE(dot.records.size() == 1);
    CHECK(dot.records[0].host == ".");
}

TEST_CASE("an insecure delegation: none_insecure", "[resolver][integration]") {
    World w;
    const auto d = w.discover("insecure.test");
    CHECK(d.verdict == Verdict::none_insecure);
    CHECK(d.security == Security::insecure);
    CHECK(d.targets.empty());
    REQUIRE(d.records.size() == 1);  // present, shown, not trusted
    CHECK(d.records[0].host == "mx.insecure.test");
}

TEST_CASE("bogus zones: defer with the validator's reason", "[resolver][integration]") {
    World w;
    const auto expired = w.discover("expired.test");
    CHECK(expired.verdict == Verdict::defer);
    CHECK(expired.security == Security::bogus);
    CHECK(expired.targets.empty());
    CHECK_THAT(expired.reason, Catch::Contains("bogus") && Catch::Contains("signature expired"));

    const auto badds = w.discover("badds.test");
    CHECK(badds.verdict == Verdict::defer);
    CHECK(badds.security == Security::bogus);
    CHECK_THAT(badds.reason, Catch::Contains("bogus") && Catch::Contains("DS"));
}

TEST_CASE("a zone that answers SERVFAIL: defer", "[resolver][integration]") {
    World w;
    const auto d = w.discover("servfail.test");
    CHECK(d.verdict == Verdict::defer);
    CHECK(d.security == Security::error);
    CHECK_THAT(d.reason, Catch::Contains("SERVFAIL"));
}

TEST_CASE("an invalid domain: defer, delivered later, not from inside the call", "[resolver][integration]") {
    World w;
    bool called = false;
    std::optional<Discovery> result;
    w.resolver.discover("bad domain", [&](const Discovery& d) {
        called = true;
        result = d;
    });
    CHECK_FALSE(called);
    while (!result) w.loop.run_once();
    CHECK(result->verdict == Verdict::defer);
    CHECK_THAT(result->reason, Catch::Contains("invalid domain name"));
    CHECK(w.resolver.queries_started() == 0);
}

TEST_CASE("multi.test: priorities in order, weights per RFC 2782 over 2,000 discoveries",
          "[resolver][integration][statistics]") {
    World w;
    auto engine = std::make_shared<std::mt19937_64>(424242);
    w.resolver.set_random([engine](std::uint64_t max) {
        return std::uniform_int_distribution<std::uint64_t>(0, max)(*engine);
    });
    const auto first = w.discover("multi.test");
    REQUIRE(first.verdict == Verdict::smtpsec);
    REQUIRE(first.records.size() == 5);
    std::vector<SrvTarget> middle;  // the priority-10 group, as published
    for (const auto& r : first.records)
        if (r.priority == 10) middle.push_back(r);
    REQUIRE(middle.size() == 3);

    constexpr int draws = 2000;
    std::map<std::vector<std::string>, int> observed;
    int done = 0;
    for (int i = 0; i < draws; ++i) {
        w.resolver.discover("multi.test", [&](const Discovery& d) {
            ++done;
            REQUIRE(d.verdict == Verdict::smtpsec);
            REQUIRE(d.targets.size() == 5);
            CHECK(d.targets.front().host == "mx0.multi.test");  // priority 5
            CHECK(d.targets.back().host == "mx4.multi.test");   // priority 20
            ++observed[{d.targets[1].host, d.targets[2].host, d.targets[3].host}];
        });
    }
    while (done < draws) w.loop.run_once();
    // All 2,000 shared one query at most per cache miss: far fewer than 2,000.
    CHECK(w.resolver.queries_started() < 10);

    std::vector<std::string> order{"mx1.multi.test", "mx2.multi.test", "mx3.multi.test"};
    double chi = 0;
    int categories = 0;
    do {
        const double expected = draws * smtpsec::dns::testing::srv_order_probability(middle, order);
        const double seen = observed.count(order) ? observed[order] : 0;
        chi += (seen - expected) * (seen - expected) / expected;
        ++categories;
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(categories == 6);
    CHECK(chi < 20.52);  // chi-square, 5 degrees of freedom, p = 0.001; seeded source
}

TEST_CASE("TLSA: secure records, secure none, insecure, defer", "[resolver][integration]") {
    World w;
    const auto secure = w.tlsa(4650, "mx.a.test");
    CHECK(secure.verdict == TlsaVerdict::secure);
    CHECK(secure.query == "_4650._tcp.mx.a.test");
    REQUIRE(secure.records.size() == 1);
    CHECK(secure.records[0].usage == 3);
    CHECK(secure.records[0].selector == 1);
    CHECK(secure.records[0].matching_type == 1);
    CHECK(secure.records[0].data == published_tlsa_data("a.test"));

    const auto none = w.tlsa(4651, "mx.a.test");
    CHECK(none.verdict == TlsaVerdict::none_secure);
    CHECK(none.records.empty());

    const auto insecure = w.tlsa(4650, "mx.insecure.test");
    CHECK(insecure.verdict == TlsaVerdict::insecure);
    CHECK(insecure.records.empty());

    const auto bogus = w.tlsa(4650, "mx.expired.test");
    CHECK(bogus.verdict == TlsaVerdict::defer);
    CHECK_THAT(bogus.reason, Catch::Contains("bogus"));

    const auto servfail = w.tlsa(4650, "mx.servfail.test");
    CHECK(servfail.verdict == TlsaVerdict::defer);
    CHECK_THAT(servfail.reason, Catch::Contains("SERVFAIL"));
}

TEST_CASE("addresses: both families with their security", "[resolver][integration]") {
    World w;
    const auto a = w.addresses("mx.a.test");
    CHECK(a.host == "mx.a.test");
    CHECK(a.ipv4.security == Security::secure);
    REQUIRE(a.ipv4.addresses.size() == 1);
    CHECK(a.ipv4.addresses[0].to_string() == "127.0.0.2");
    CHECK(a.ipv6.security == Security::secure);
    REQUIRE(a.ipv6.addresses.size() == 1);
    CHECK(a.ipv6.addresses[0].to_string() == "::1");

    const auto insecure = w.addresses("mx.insecure.test");
    CHECK(insecure.ipv4.security == Security::insecure);
    REQUIRE(insecure.ipv4.addresses.size() == 1);
    CHECK(insecure.ipv4.addresses[0].to_string() == "127.0.0.8");
    CHECK(insecure.ipv6.security == Security::insecure);
    CHECK(insecure.ipv6.addresses.empty());

    const auto bogus = w.addresses("mx.expired.test");
    CHECK(bogus.ipv4.security == Security::bogus);
    CHECK(bogus.ipv4.addresses.empty());
    CHECK_THAT(bogus.ipv4.reason, Catch::Contains("signature expired"));
}

TEST_CASE("concurrent lookups of one name share one query", "[resolver][integration]") {
    World w;
    int answered = 0;
    for (int i = 0; i < 10; ++i) {
        w.resolver.discover("b.test", [&](const Discovery& d) {
            CHECK(d.verdict == Verdict::smtpsec);
            ++answered;
        });
    }
    CHECK(w.resolver.queries_in_flight() == 1);
    CHECK(w.resolver.queries_started() == 1);
    while (answered < 10) w.loop.run_once();
    CHECK(w.resolver.queries_in_flight() == 0);
    // A different type of the same name is a different query.
    w.resolver.lookup("mx.b.test", rrtype::a, [](const Answer&) {});
    w.resolver.lookup("MX.b.test.", rrtype::a, [](const Answer&) {});
    w.resolver.lookup("mx.b.test", rrtype::aaaa, [](const Answer&) {});
    CHECK(w.resolver.queries_in_flight() == 2);
}

TEST_CASE("a callback may start lookups and may destroy the resolver", "[resolver][integration]") {
    Loop loop;
    auto resolver = std::make_unique<Resolver>(loop, DnsFixture::shared().resolver_config());
    std::optional<Verdict> chained;
    resolver->discover("a.test", [&](const Discovery&) {
        resolver->discover("insecure.test", [&](const Discovery& d) { chained = d.verdict; });
    });
    while (!chained) loop.run_once();
    CHECK(*chained == Verdict::none_insecure);

    int calls = 0;
    for (int i = 0; i < 3; ++i) {
        resolver->discover("dot.test", [&](const Discovery&) {
            ++calls;
            resolver.reset();  // the other two waiters must never be called
        });
    }
    while (resolver) loop.run_once();
    smtpsec::event::Timer settle(loop, [] {});
    settle.start(std::chrono::milliseconds(50));
    loop.run();
    CHECK(calls == 1);
}

TEST_CASE("destroying the resolver with lookups in flight drops them", "[resolver][integration]") {
    Loop loop;
    int calls = 0;
    {
        Resolver resolver(loop, DnsFixture::shared().resolver_config());
        for (int i = 0; i < 20; ++i) {
            resolver.discover("d" + std::to_string(900 + i) + ".bench.test",
                              [&](const Discovery&) { ++calls; });
        }
        CHECK(resolver.queries_in_flight() == 20);
    }
    smtpsec::event::Timer settle(loop, [] {});
    settle.start(std::chrono::milliseconds(100));
    loop.run();
    CHECK(calls == 0);
}

TEST_CASE("extra records: added to a fixture zone, and a new signed child zone",
          "[resolver][integration][fixture]") {
    // What later tests do: publish TLSA records for their own certificates
    // and domains of their own.
    const DnsFixture fixture(
        "# comment lines and blank lines are ignored\n"
        "\n"
        "a.test _25._tcp.mx.a.test. 3600 IN TLSA 3 1 1 "
        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\n"
        "c.test _smtpsec._tcp.c.test. 3600 IN SRV 1 2 2525 mx.c.test.\n"
        "c.test mx.c.test. 3600 IN A 127.0.0.7\n");
    Loop loop;
    Resolver resolver(loop, fixture.resolver_config());
    const auto tlsa = wait_for<TlsaResult>(loop, [&](auto done) { resolver.tlsa(25, "mx.a.test", done); });
    CHECK(tlsa.verdict == TlsaVerdict::secure);
    REQUIRE(tlsa.records.size() == 1);
    CHECK(tlsa.records[0].data.size() == 32);
    CHECK(tlsa.records[0].data.front() == 0x01);
    CHECK(tlsa.records[0].data.back() == 0x20);

    const auto c = wait_for<Discovery>(loop, [&](auto done) { resolver.discover("c.test", done); });
    CHECK(c.verdict == Verdict::smtpsec);
    REQUIRE(c.targets.size() == 1);
    CHECK(c.targets[0] == SrvTarget{"mx.c.test", 2525, 1, 2});
    const auto addresses = wait_for<AddressResult>(loop,
                                                   [&](auto done) { resolver.addresses("mx.c.test", done); });
    CHECK(addresses.ipv4.security == Security::secure);
    REQUIRE(addresses.ipv4.addresses.size() == 1);
    CHECK(addresses.ipv4.addresses[0].to_string() == "127.0.0.7");
    // The fixed zones are still there.
    CHECK(wait_for<Discovery>(loop, [&](auto done) { resolver.discover("a.test", done); }).verdict ==
          Verdict::smtpsec);
}

TEST_CASE("a fixture stops its nsd when destroyed", "[resolver][integration][fixture]") {
    std::string pid_file;
    std::string pid;
    {
        const DnsFixture fixture;
        pid_file = fixture.dir() + "/nsd.pid";
        std::ifstream(pid_file) >> pid;
        REQUIRE_FALSE(pid.empty());
        std::ifstream stat("/proc/" + pid + "/stat");
        CHECK(stat.good());
    }
    // Gone, or at most a zombie waiting for pid 1 to reap it.
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(") ");
    const bool exited = line.empty() || (close != std::string::npos && line.substr(close + 2, 1) == "Z");
    CHECK(exited);
}

TEST_CASE("a lookup whose Request is destroyed or cancelled never calls back; the others still answer",
          "[resolver][integration]") {
    World w;
    struct Waiter {
        int* calls;
        smtpsec::event::Request request;
    };
    int gone_calls = 0, cancelled_calls = 0, kept_calls = 0;
    auto gone = std::make_unique<Waiter>(Waiter{&gone_calls, {}});
    Waiter* g = gone.get();
    w.resolver.discover(
        "b.test", [g](const Discovery&) { ++*g->calls; }, gone->request);
    smtpsec::event::Request cancelled, kept;
    w.resolver.tlsa(
        4650, "mx.b.test", [&](const TlsaResult&) { ++cancelled_calls; }, cancelled);
    w.resolver.addresses(
        "mx.b.test",
        [&](const AddressResult& a) {
            CHECK(a.ipv4.security == Security::secure);
            ++kept_calls;
        },
        kept);
    CHECK(gone->request.pending());
    gone.reset();  // the callback would write through a freed Waiter
    cancelled.cancel();
    while (kept_calls == 0) w.loop.run_once();
    CHECK_FALSE(kept.pending());
    // Time for the other two answers, which must find nothing to call.
    bool settled = false;
    smtpsec::event::Timer settle(w.loop, [&] { settled = true; });
    settle.start(std::chrono::milliseconds(100));
    while (!settled) w.loop.run_once();
    CHECK(gone_calls == 0);
    CHECK(cancelled_calls == 0);
    CHECK(kept_calls == 1);
}

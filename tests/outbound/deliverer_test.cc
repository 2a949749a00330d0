// The Deliverer's walk over (SRV target, address) pairs, driven by a
// scripted discovery and transport (fakes.h): every fallback rule of
// docs/outbound.md, asserted as the whole transcript of questions,
// connections and reports.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include <map>

#include "fakes.h"
#include "outbound/deliverer.h"
#include "outbound/route.h"
#include "support.h"

using namespace smtpsec;
using namespace smtpsec::outbound;
using namespace smtpsec::outbound::test;
using fake::Server;
using fake::Transcript;

namespace {

struct World {
    event::Loop loop;
    Transcript transcript;
    fake::FakeDiscoverer dns{loop, transcript};
    fake::FakeTransport net{loop, transcript};
    Deliverer deliverer{loop, dns, net, test_key()};
    std::map<std::uint64_t, DeliveryReport> reports;

    World() {
        // b.test: two targets, the first with an IPv6 and an IPv4 address.
        dns.srv["b.test"] = srv_targets({{"mx1.b.test", 4650, 10, 0}, {"mx2.b.test", 4650, 20, 0}});
        dns.addrs["mx1.b.test"] = addresses("mx1.b.test", {"2001:db8::1"}, {"192.0.2.1"});
        dns.addrs["mx2.b.test"] = addresses("mx2.b.test", {}, {"192.0.2.2"});
    }

    void send(std::uint64_t id, std::vector<std::string> recipients, std::string domain = "b.test") {
        OutboundEmail e;
        e.id = id;
        e.domain = std::move(domain);
        e.recipients = std::move(recipients);
        e.message = Bytes::copy_of(fmt::format("From: alice@a.test\r\nSubject: {}\r\n\r\nHello\r\n", id));
        deliverer.deliver(std::move(e), [this](DeliveryReport r) {
            for (const auto& rcpt : r.recipients)
                transcript.push_back(
                    fmt::format("report #{}: {} {}", r.id, rcpt.recipient, name_of(rcpt.status)));
            reports[r.id] = std::move(r);
        });
    }

    bool run(std::size_t expected_reports) {
        return run_until(loop, [&] { return reports.size() >= expected_reports; });
    }
};

Server fails(ConnectionOutcome outcome, std::string detail) {
    Server s;
    s.fails_with = outcome;
    s.detail = std::move(detail);
    return s;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("an AAAA address whose connect times out, then the A address of the same target delivers",
          "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::connect_timeout,
                                                "connect timed out after 30s");
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    CHECK(joined(w.transcript) == joined({
                                      "SRV _smtpsec._tcp.b.test",
                                      "TLSA _4650._tcp.mx1.b.test",
                                      "AAAA+A mx1.b.test",
                                      "connect mx1.b.test[2001:db8::1]:4650",
                                      "send #1 to mx1.b.test[2001:db8::1]:4650",
                                      "mx1.b.test[2001:db8::1]:4650 ended: connect_timeout",
                                      "connect mx1.b.test[192.0.2.1]:4650",
                                      "send #1 to mx1.b.test[192.0.2.1]:4650",
                                      "report #1: bob@b.test delivered",
                                  }));
    const auto& r = w.reports.at(1);
    CHECK(r.server == "mx1.b.test[192.0.2.1]:4650");
    CHECK(r.attempts ==
          std::vector<std::string>{"mx1.b.test[2001:db8::1]:4650: connect timed out after 30s"});
}

TEST_CASE("a refused address, then the next address of the same target delivers", "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::connect_refused,
                                                "connect: Connection refused");
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    CHECK(w.reports.at(1).server == "mx1.b.test[192.0.2.1]:4650");
    CHECK(w.reports.at(1).recipients.at(0).status == RecipientStatus::delivered);
    CHECK(w.reports.at(1).attempts ==
          std::vector<std::string>{"mx1.b.test[2001:db8::1]:4650: connect: Connection refused"});
}

TEST_CASE("a TLS handshake that never finishes moves to the next address (a path-MTU black hole)",
          "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::tls_timeout,
                                                "timed out in the TLS handshake");
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    CHECK(w.reports.at(1).server == "mx1.b.test[192.0.2.1]:4650");
}

TEST_CASE("an authentication failure skips the target's other addresses; the next target delivers",
          "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::authentication_failure,
                                                "server authentication failed: no matching TLSA record");
    w.send(1, {"bob@b.test", "carol@b.test"});
    REQUIRE(w.run(1));
    CHECK(joined(w.transcript) == joined({
                                      "SRV _smtpsec._tcp.b.test",
                                      "TLSA _4650._tcp.mx1.b.test",
                                      "AAAA+A mx1.b.test",
                                      "connect mx1.b.test[2001:db8::1]:4650",
                                      "send #1 to mx1.b.test[2001:db8::1]:4650",
                                      "mx1.b.test[2001:db8::1]:4650 ended: authentication_failure",
                                      "TLSA _4650._tcp.mx2.b.test",
                                      "AAAA+A mx2.b.test",
                                      "connect mx2.b.test[192.0.2.2]:4650",
                                      "send #1 to mx2.b.test[192.0.2.2]:4650",
                                      "report #1: bob@b.test delivered",
                                      "report #1: carol@b.test delivered",
                                  }));
}

TEST_CASE("a TLS failure and a session failure each move to the next target", "[outbound]") {
    for (auto outcome : {ConnectionOutcome::tls_failure, ConnectionOutcome::session_failure,
                         ConnectionOutcome::hello_timeout}) {
        INFO(name_of(outcome));
        World w;
        w.net.servers["[2001:db8::1]:4650"] = fails(outcome, "it failed");
        w.send(1, {"bob@b.test"});
        REQUIRE(w.run(1));
        CHECK(w.reports.at(1).server == "mx2.b.test[192.0.2.2]:4650");
    }
}

TEST_CASE("every address of every target failing: each recipient temporary, every failure listed in order",
          "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::connect_timeout,
                                                "connect timed out after 30s");
    w.net.servers["192.0.2.1:4650"] = fails(ConnectionOutcome::connect_refused,
                                            "connect: Connection refused");
    w.net.servers["192.0.2.2:4650"] = fails(ConnectionOutcome::authentication_failure,
                                            "server authentication failed: expired");
    w.send(1, {"bob@b.test", "carol@b.test"});
    REQUIRE(w.run(1));
    const auto& r = w.reports.at(1);
    REQUIRE(r.recipients.size() == 2);
    for (const auto& rcpt : r.recipients) {
        CHECK(rcpt.status == RecipientStatus::temporary);
        CHECK(rcpt.detail == "no SMTPsec server of b.test could be used");
    }
    CHECK(r.server.empty());
    CHECK(joined(r.attempts) == joined({
                                    "mx1.b.test[2001:db8::1]:4650: connect timed out after 30s",
                                    "mx1.b.test[192.0.2.1]:4650: connect: Connection refused",
                                    "mx2.b.test[192.0.2.2]:4650: server authentication failed: expired",
                                }));
}

TEST_CASE(
    "a failing first target and a second that refuses one recipient: that one permanent, the other delivered",
    "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::session_failure,
                                                "an Error before the ServerHello");
    Server refuses_carol;
    refuses_carol.unknown = {"carol@b.test"};
    w.net.servers["192.0.2.2:4650"] = refuses_carol;
    w.send(1, {"bob@b.test", "carol@b.test"});
    REQUIRE(w.run(1));
    const auto& r = w.reports.at(1);
    REQUIRE(r.recipients.size() == 2);
    CHECK(r.recipients[0].status == RecipientStatus::delivered);
    CHECK(r.recipients[1].status == RecipientStatus::permanent);
    CHECK(r.recipients[1].detail == "mx2.b.test[192.0.2.2]:4650 answered unknown_address");
}

TEST_CASE("a local failure (no socket) stops the walk: temporary, no other address tried", "[outbound]") {
    World w;
    w.net.servers["[2001:db8::1]:4650"] = fails(ConnectionOutcome::local_failure,
                                                "socket: Too many open files");
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    CHECK(w.reports.at(1).recipients.at(0).status == RecipientStatus::temporary);
    CHECK(w.reports.at(1).recipients.at(0).detail ==
          "mx1.b.test[2001:db8::1]:4650: socket: Too many open files");
    CHECK(w.transcript.at(w.transcript.size() - 2) == "mx1.b.test[2001:db8::1]:4650 ended: local_failure");
}

TEST_CASE("a session lost after the ServerHello: its Emails temporary, not sent to the next address",
          "[outbound]") {
    World w;
    Server lost;
    lost.lost_after_established = true;
    w.net.servers["[2001:db8::1]:4650"] = lost;
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    const auto& rcpt = w.reports.at(1).recipients.at(0);
    CHECK(rcpt.status == RecipientStatus::temporary);
    CHECK(rcpt.detail ==
          "mx1.b.test[2001:db8::1]:4650: connection lost before the answer: connection reset by peer");
    for (const auto& line : w.transcript) CHECK(line.find("192.0.2.1") == std::string::npos);
}

TEST_CASE(
    "discovery decides before any connection: no SMTPsec is use_smtp, a DNS failure temporary, "
    "a bad domain permanent",
    "[outbound]") {
    World w;
    dns::Discovery none;
    none.verdict = dns::Verdict::none_secure;
    none.reason = "NXDOMAIN (DNSSEC secure)";
    w.dns.srv["c.test"] = none;
    w.send(1, {"dave@c.test"}, "c.test");
    w.send(2, {"erin@d.test"}, "d.test");         // nothing scripted: defer
    w.send(3, {"frank@\xff.test"}, "\xff.test");  // not UTF-8: no A-label
    REQUIRE(w.run(3));
    CHECK(w.reports.at(1).recipients.at(0).status == RecipientStatus::use_smtp);
    CHECK(w.reports.at(2).recipients.at(0).status == RecipientStatus::temporary);
    CHECK(w.reports.at(3).recipients.at(0).status == RecipientStatus::permanent);
    for (const auto& line : w.transcript) CHECK(line.rfind("connect ", 0) == std::string::npos);
}

TEST_CASE("a TLSA lookup that fails and a target with no address each move to the next target",
          "[outbound]") {
    World w;
    w.dns.srv["b.test"] = srv_targets(
        {{"mx0.b.test", 4650, 5, 0}, {"mx1.b.test", 4650, 10, 0}, {"mx2.b.test", 4650, 20, 0}});
    dns::TlsaResult servfail;
    servfail.verdict = dns::TlsaVerdict::defer;
    servfail.reason = "SERVFAIL";
    w.dns.tlsa_of["mx0.b.test"] = servfail;
    w.dns.addrs["mx1.b.test"] = addresses("mx1.b.test", {}, {});
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    const auto& r = w.reports.at(1);
    CHECK(r.server == "mx2.b.test[192.0.2.2]:4650");
    CHECK(joined(r.attempts) == joined({
                                    "mx0.b.test:4650: TLSA lookup deferred: SERVFAIL",
                                    "mx1.b.test: no usable address (no AAAA / no A)",
                                }));
}

TEST_CASE("a walk makes at most 10 connection attempts however many addresses DNS lists", "[outbound]") {
    World w;
    std::vector<std::string> v4;
    for (int i = 1; i <= 30; ++i) {
        v4.push_back(fmt::format("192.0.2.{}", 100 + i));
        w.net.servers[fmt::format("192.0.2.{}:4650", 100 + i)] = fails(ConnectionOutcome::connect_timeout,
                                                                       "connect timed out");
    }
    w.dns.addrs["mx1.b.test"] = addresses("mx1.b.test", {}, v4);
    w.send(1, {"bob@b.test"});
    REQUIRE(w.run(1));
    CHECK(w.reports.at(1).attempts.size() == Route::kMaxAttempts);
    CHECK(w.reports.at(1).recipients.at(0).status == RecipientStatus::temporary);
}

TEST_CASE("Emails for one domain share the connection; a Deliverer destroyed mid-walk calls nobody back",
          "[outbound]") {
    {
        World w;
        w.send(1, {"bob@b.test"});
        w.send(2, {"carol@b.test"});
        REQUIRE(w.run(2));
        std::size_t connects = 0;
        for (const auto& line : w.transcript) connects += line.rfind("connect ", 0) == 0 ? 1 : 0;
        CHECK(connects == 1);
    }
    {
        event::Loop loop;
        Transcript transcript;
        fake::FakeDiscoverer dns{loop, transcript};
        fake::FakeTransport net{loop, transcript};
        dns.srv["b.test"] = srv_targets({{"mx1.b.test", 4650, 10, 0}});
        bool called = false;
        {
            Deliverer d(loop, dns, net, test_key());
            OutboundEmail e;
            e.id = 1;
            e.domain = "b.test";
            e.recipients = {"bob@b.test"};
            e.message = Bytes::copy_of(std::string("From: alice@a.test\r\n\r\nHi\r\n"));
            d.deliver(std::move(e), [&](DeliveryReport) { called = true; });
        }
        // The SRV answer is due on this iteration: its Request was cancelled.
        run_until(
            loop, [] { return false; }, 0.1);
        CHECK_FALSE(called);
        CHECK(transcript == Transcript{"SRV _smtpsec._tcp.b.test"});
    }
}

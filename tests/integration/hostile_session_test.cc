// Issue 13 items 2 and 13 against a real listener (real TLS, real signed DNS,
// origin authentication): a client sending Messages without end, and a
// fault inside one connection's handling. Each case asserts the exact
// answers, that the other connection goes on, and that the listener still
// serves a fresh connection afterwards.
#include <fmt/core.h>

#include <stdexcept>

#include "raw_client.h"
#include "sites.h"

using namespace smtpsec;
using namespace smtpsec::test;

namespace {

struct World {
    Sites s;
    testpki::TestPki::Leaf ga_leaf;

    World() {
        ga_leaf = s.pki.leaf({"mx.ga.test"});
        s.add({"ga.test", ga_leaf, {}});
        s.add({"hb.test", s.pki.leaf({"mx.hb.test"}), {}});  // default limits
        s.start();
        // A delivery to boom@hb.test throws inside the connection's handling.
        s.site("hb.test").delivery.answer = [](const inbound::LocalDeliveryRequest& r) {
            if (r.recipients.at(0) == "boom@hb.test") throw std::runtime_error("the next hop blew up");
            return inbound::LocalDeliveryResult{
                inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
        };
    }
};

World& world() {
    static World w;
    return w;
}

outbound::OutboundEmail email_to(const std::string& rcpt, std::uint64_t id) {
    outbound::OutboundEmail e;
    e.id = id;
    e.domain = "hb.test";
    e.recipients = {rcpt};
    e.message = Bytes::copy_of(
        fmt::format("From: Alice <alice@ga.test>\r\nTo: {}\r\nSubject: hostile\r\n\r\nHello.\r\n", rcpt));
    return e;
}

// An honest Email from ga.test to bob@hb.test on a new connection.
outbound::DeliveryReport send_honest(std::uint64_t id, const std::string& rcpt = "bob@hb.test") {
    auto& w = world();
    auto sender = w.s.sender(w.ga_leaf, "sender-" + std::to_string(id));
    return w.s.deliver(*sender.deliverer, email_to(rcpt, id));
}

// The 12-byte Message of an unknown type: answered illegal_message, skipped.
std::vector<std::uint8_t> junk_frames(std::size_t count) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < count; ++i) {
        auto one = raw_frame(12, 99, {0});
        out.insert(out.end(), one.begin(), one.end());
    }
    return out;
}

}  // namespace

TEST_CASE(
    "past the Message bound a client gets every answer owed, an unreferenced service_unavailable, and the "
    "close; "
    "another connection is served meanwhile",
    "[integration][hostile]") {
    auto& w = world();
    auto& site = w.s.site("hb.test");
    site.delivery.delivered.clear();
    const std::uint32_t bound = site.settings.limits.messages_bound();
    REQUIRE(bound == 2064u);

    RawClient c(w.s.loop, site.port, "mx.hb.test");
    REQUIRE(c.wait_for(1));
    REQUIRE(c.received[0].type() == MessageType::server_hello);
    c.send(Message{{}, ClientHello{0, {w.ga_leaf.der()}}});  // #0, no answer
    c.send(junk_frames(3000));                               // #1 ... past the bound

    // Meanwhile an honest client is served on its own connection.
    auto report = send_honest(1);
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);

    REQUIRE(c.wait_closed(30));
    // ServerHello, #1 to #2063 illegal_message, then the end.
    REQUIRE(c.received.size() == 1 + (bound - 1) + 1);
    for (std::uint32_t n = 1; n < bound; ++n) {
        INFO("#" << n);
        REQUIRE(c.error_at(n));
        REQUIRE(c.error_at(n)->code == ErrorCode::illegal_message);
        REQUIRE(c.error_at(n)->message_number == n);
    }
    REQUIRE(c.error_at(bound));
    CHECK(c.error_at(bound)->code == ErrorCode::service_unavailable);
    CHECK_FALSE(c.error_at(bound)->message_number);
    CHECK(c.undecodable.empty());
    CHECK(c.close_reason == "clean");

    // The listener still serves a fresh connection.
    auto again = send_honest(2);
    REQUIRE(again.recipients.size() == 1);
    CHECK(again.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(site.delivery.delivered.size() == 2);
}

TEST_CASE("a fault inside one connection's handling ends that connection only; the listener goes on",
          "[integration][hostile]") {
    auto& w = world();
    auto& site = w.s.site("hb.test");
    // A bystander connection, open and idle, past its ClientHello.
    RawClient bystander(w.s.loop, site.port, "mx.hb.test");
    REQUIRE(bystander.wait_for(1));
    bystander.send(Message{{}, ClientHello{0, {w.ga_leaf.der()}}});
    REQUIRE(run_until(
        w.s.loop, [&] { return site.listener->connections() == 1; }, 10));

    // The delivery of this Email throws inside its connection: once that
    // left the event loop and ended the daemon, every connection with it.
    auto report = send_honest(3, "boom@hb.test");
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::temporary);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("connection lost before the answer"));

    // The bystander is still connected and still served.
    REQUIRE(run_until(
        w.s.loop, [&] { return site.listener->connections() == 1; }, 10));
    CHECK_FALSE(bystander.closed);
    bystander.send(raw_frame(12, 99, {0}));  // #1: answered as usual
    REQUIRE(bystander.wait_for(2));
    REQUIRE(bystander.error_at(1));
    CHECK(bystander.error_at(1)->code == ErrorCode::illegal_message);
    CHECK(bystander.error_at(1)->message_number == 1u);
    CHECK_FALSE(bystander.closed);

    // And a fresh connection is served.
    auto again = send_honest(4);
    REQUIRE(again.recipients.size() == 1);
    CHECK(again.recipients[0].status == outbound::RecipientStatus::delivered);
}

TEST_CASE(
    "the client opens a new connection after its Emails per connection instead of running into the server's "
    "limit",
    "[integration][hostile]") {
    auto& w = world();
    auto& site = w.s.site("hb.test");
    site.delivery.delivered.clear();
    auto saved = site.settings.limits.max_emails_per_connection;
    site.settings.limits.max_emails_per_connection = 3;  // read by each new connection
    auto sender = w.s.sender(w.ga_leaf, "sender-cap");
    // The Deliverer copies its settings: a sender whose connections carry 3.
    auto creds = tls::Credentials::client();
    REQUIRE(creds);
    outbound::ConnectionSettings settings{*creds, w.s.policy, sender.identity.chain, {}};
    settings.max_emails_per_connection = 3;
    outbound::Deliverer deliverer(w.s.loop, *w.s.resolver, sender.identity.key, settings);
    auto before = site.listener->accepted();
    std::vector<outbound::DeliveryReport> reports;
    for (std::uint64_t id = 10; id < 17; ++id)
        deliverer.deliver(email_to("bob@hb.test", id),
                          [&](outbound::DeliveryReport r) { reports.push_back(r); });
    REQUIRE(run_until(
        w.s.loop, [&] { return reports.size() == 7; }, 60));
    site.settings.limits.max_emails_per_connection = saved;
    for (const auto& r : reports) {
        INFO("Email " << r.id << ": " << r.recipients.at(0).detail);
        CHECK(r.recipients.at(0).status == outbound::RecipientStatus::delivered);
    }
    CHECK(site.delivery.delivered.size() == 7);
    CHECK(site.listener->accepted() - before == 3);  // 3 + 3 + 1
}

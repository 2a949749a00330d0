// Two gateways on loopback (ga.test -> gb.test) exchange mail over SMTPsec
// with every signature algorithm: real TLS with certificates made here, real
// DNSSEC answers from nsd validated by libunbound, CA and CT checked with a
// test CA and a test CT log. What reaches the receiving side's MTA is
// compared byte for byte (trace headers, Received, Authentication-Results).
#include <fmt/core.h>

#include <algorithm>
#include <regex>

#include <poll.h>

#include <cerrno>

#include "gateway_harness.h"
#include "net/socket.h"
#include "raw_client.h"

using namespace smtpsec;
using namespace smtpsec::test;
using testpki::KeyType;

namespace {

struct World {
    testpki::TestPki pki;
    std::filesystem::path dir = temp_dir("gateway");
    event::Loop loop;
    std::unique_ptr<DnsFixture> dns;
    std::unique_ptr<dns::Resolver> resolver;
    std::shared_ptr<const tls::AuthPolicy> policy;
    Receiver b;

    World() {
        // The receiving listener first: its port goes into the SRV record.
        b.domain = "gb.test";
        b.host = "mx.gb.test";
        auto files = testpki::TestPki::write(pki.leaf({b.host}), dir, "gb");
        b.cert = files.cert;
        b.key = files.key;
        auto creds = tls::Credentials::server(b.cert, b.key);
        REQUIRE(creds);
        b.settings.credentials = *creds;
        b.settings.authserv_id = b.host;
        b.settings.accept_domains = {b.domain};
        auto ca = dir / "ca.pem";
        auto logs = dir / "logs.json";
        testpki::write_file(ca, pki.ca_pem());
        testpki::write_file(logs, pki.log_list_json());
        tls::CtRequirements ct;
        ct.min_logs = 1;
        ct.min_operators = 1;
        policy = std::make_shared<const tls::AuthPolicy>(tls::AuthPolicy::from_files(ca, logs, ct));

        // Listening needs the resolver (for origin authentication) only when
        // mail arrives, so bind now and build the rest after DNS is up.
        auto reserved = reserve_port();
        b.port = net::local_endpoint(reserved.get()).port();

        std::string records;
        for (const char* zone : {"ga", "gb"}) {
            records += fmt::format("{0}.test _smtpsec._tcp.{0}.test. 3600 IN SRV 0 0 {1} mx.{0}.test.\n",
                                   zone, b.port);
            records += fmt::format("{0}.test mx.{0}.test. 3600 IN A 127.0.0.1\n", zone);
        }
        dns = std::make_unique<DnsFixture>(records);
        resolver = std::make_unique<dns::Resolver>(loop, dns->resolver_config());

        b.authenticator = std::make_unique<inbound::OriginAuthenticator>(*resolver, policy);
        b.context = std::make_unique<inbound::InboundContext>(
            inbound::InboundContext{loop, b.settings, *b.authenticator, b.delivery,
                                    [this] { return fmt::format("IN{}", ++b.next_id); }});
        b.listener = std::make_unique<inbound::Listener>(*b.context, 100);
        REQUIRE(b.listener->adopt(std::move(reserved)).port() == b.port);
    }
    ~World() { std::filesystem::remove_all(dir); }

    // A sending side signing for ga.test with a key of `type`.
    struct Sender {
        SigningIdentity identity;
        std::unique_ptr<outbound::Deliverer> deliverer;
    };
    Sender sender(KeyType type) {
        auto leaf = pki.leaf({"mx.ga.test"}, {}, type);
        auto files = testpki::TestPki::write(leaf, dir, "ga");
        auto id = SigningIdentity::load(files.cert, files.key);
        REQUIRE(id);
        Sender s{std::move(*id), nullptr};
        auto creds = tls::Credentials::client();
        REQUIRE(creds);
        outbound::ConnectionSettings settings{*creds, policy, s.identity.chain, {}};
        s.deliverer = std::make_unique<outbound::Deliverer>(loop, *resolver, s.identity.key, settings);
        return s;
    }
};

World& world() {
    static World w;
    return w;
}

const std::string kMessage =
    "SMTPsec-Used:\r\n"
    "From: Alice <alice@ga.test>\r\n"
    "To: bob@gb.test\r\n"
    "Subject: over SMTPsec\r\n"
    "Authentication-Results: mx.gb.test; smtpsec=pass header.from=evil.test\r\n"
    "\r\n"
    "Hello Bob.\r\n";

outbound::OutboundEmail email_to(std::vector<std::string> recipients, std::uint64_t id) {
    outbound::OutboundEmail e;
    e.id = id;
    e.domain = "gb.test";
    e.recipients = std::move(recipients);
    e.message = Bytes::copy_of(kMessage);
    e.trace_headers = {
        {"Received",
         "from client.ga.test by mx.ga.test with ESMTPSA id 1;\r\n\tMon, 1 Jan 2024 00:00:00 +0000"},
        {"X-Spam-Score", "0.1"},
        {"DKIM-Signature", "not a trace header: dropped"}};
    return e;
}

outbound::DeliveryReport deliver(World& w, outbound::Deliverer& d, outbound::OutboundEmail e) {
    std::optional<outbound::DeliveryReport> report;
    d.deliver(std::move(e), [&](outbound::DeliveryReport r) { report = std::move(r); });
    REQUIRE(run_until(w.loop, [&] { return report.has_value(); }));
    return *report;
}

// Sends twelve Emails (ids from `first_id`) while the MTA holds its answers,
// and returns the answers it holds once the listener has handed it its
// window of eight.
std::vector<std::function<void()>> fill_window(World& w, World::Sender& s, std::uint64_t first_id,
                                               std::vector<outbound::DeliveryReport>& reports) {
    w.b.delivery.hold = true;
    for (std::uint64_t i = 0; i < 12; ++i)
        s.deliverer->deliver(email_to({"bob@gb.test"}, first_id + i),
                             [&reports](outbound::DeliveryReport r) { reports.push_back(std::move(r)); });
    REQUIRE(run_until(
        w.loop, [&] { return w.b.delivery.held.size() == 8; }, 10));
    auto held = std::move(w.b.delivery.held);
    w.b.delivery.held.clear();
    return held;
}

// Lets the loop run for `seconds`: time for anything that should not happen.
void settle(World& w, double seconds) {
    event::Timer pause(w.loop, [] {});
    pause.start(event::Timer::Seconds(seconds));
    run_until(w.loop, [&] { return !pause.active(); });
}

}  // namespace

TEST_CASE("ga.test delivers to gb.test over SMTPsec with every signature algorithm", "[integration]") {
    auto& w = world();
    std::uint64_t id = 1;
    for (auto type :
         {KeyType::ed25519, KeyType::ed448, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
        INFO("key type " << static_cast<int>(type));
        auto s = w.sender(type);
        w.b.delivery.delivered.clear();
        auto report = deliver(w, *s.deliverer, email_to({"bob@gb.test"}, id++));
        INFO("attempts: " << (report.attempts.empty() ? "" : report.attempts.front()));
        REQUIRE(report.recipients.size() == 1);
        INFO(report.recipients[0].detail);
        CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
        CHECK_THAT(report.server, Catch::StartsWith("mx.gb.test[127.0.0.1]:"));

        REQUIRE(w.b.delivery.delivered.size() == 1);
        const auto& got = w.b.delivery.delivered[0];
        CHECK(got.request.mail_from == "alice@ga.test");
        CHECK(got.request.recipients == std::vector<std::string>{"bob@gb.test"});
        std::string data = got.data();
        INFO("data: " << data);
        // Our Received first (time and ids vary), then the rest exactly.
        std::smatch m;
        std::regex received(
            "^Received: from mx\\.ga\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby mx\\.gb\\.test "
            "\\(TLS1\\.3\\) with SMTPSEC id IN[0-9]+-1\r\n"
            "\tfor <bob@gb\\.test>; [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \\+0000\r\n");
        REQUIRE(std::regex_search(data, m, received));
        std::string rest = data.substr(static_cast<std::size_t>(m.length(0)));
        CHECK(rest ==
              "Authentication-Results: mx.gb.test;\r\n\tsmtpsec=pass header.from=ga.test "
              "policy.cert-name=mx.ga.test\r\n"
              "Received: from client.ga.test by mx.ga.test with ESMTPSA id 1;\r\n\tMon, 1 Jan 2024 00:00:00 "
              "+0000\r\n"
              "X-Spam-Score: 0.1\r\n"
              "SMTPsec-Used:\r\n"
              "From: Alice <alice@ga.test>\r\n"
              "To: bob@gb.test\r\n"
              "Subject: over SMTPsec\r\n"
              "\r\n"
              "Hello Bob.\r\n");
    }
}

TEST_CASE("many Emails travel pipelined over one reused connection", "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    w.b.delivery.delivered.clear();
    auto accepted_before = w.b.listener->accepted();
    std::vector<outbound::DeliveryReport> reports;
    for (std::uint64_t i = 0; i < 50; ++i)
        s.deliverer->deliver(email_to({"bob@gb.test"}, 1000 + i),
                             [&](outbound::DeliveryReport r) { reports.push_back(r); });
    REQUIRE(run_until(w.loop, [&] { return reports.size() == 50; }));
    for (const auto& r : reports) CHECK(r.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(w.b.delivery.delivered.size() == 50);
    CHECK(w.b.listener->accepted() - accepted_before == 1);
}

TEST_CASE("pipelined Emails are re-injected side by side and answered in order", "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    w.b.delivery.delivered.clear();
    w.b.delivery.hold = true;
    std::vector<std::uint64_t> answered;  // Email ids, in the order the reports came
    for (std::uint64_t i = 0; i < 3; ++i)
        s.deliverer->deliver(email_to({"bob@gb.test"}, 7000 + i),
                             [&](outbound::DeliveryReport r) { answered.push_back(r.id); });
    // All three reach the MTA before any is answered: one at a time, only
    // the first would be held here.
    REQUIRE(run_until(
        w.loop, [&] { return w.b.delivery.held.size() == 3; }, 10));
    auto held = std::move(w.b.delivery.held);
    w.b.delivery.held.clear();
    w.b.delivery.hold = false;
    // The MTA finishes the last two first: their answers wait for the first.
    held[2]();
    held[1]();
    settle(w, 0.3);
    CHECK(answered.empty());
    held[0]();
    REQUIRE(run_until(
        w.loop, [&] { return answered.size() == 3; }, 10));
    CHECK(answered == std::vector<std::uint64_t>{7000, 7001, 7002});
    CHECK(w.b.delivery.delivered.size() == 3);
}

TEST_CASE("no more than 8 Emails of a connection go to the MTA before the first is answered",
          "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    w.b.delivery.delivered.clear();
    std::vector<outbound::DeliveryReport> reports;
    auto held = fill_window(w, s, 7100, reports);
    // The MTA finishes #2 to #8: their answers wait for #1, and so does
    // everything after them.
    for (std::size_t i = 1; i < held.size(); ++i) held[i]();
    settle(w, 0.3);
    CHECK(w.b.delivery.held.empty());
    CHECK(w.b.delivery.delivered.size() == 8);
    CHECK(reports.empty());
    held[0]();
    REQUIRE(run_until(
        w.loop, [&] { return w.b.delivery.held.size() == 4; }, 10));
    w.b.delivery.hold = false;
    w.b.delivery.release_held();
    REQUIRE(run_until(
        w.loop, [&] { return reports.size() == 12; }, 10));
    for (std::size_t i = 0; i < reports.size(); ++i) {
        CHECK(reports[i].id == 7100 + i);
        CHECK(reports[i].recipients[0].status == outbound::RecipientStatus::delivered);
    }
    CHECK(w.b.delivery.delivered.size() == 12);
}

TEST_CASE("after a temporary failure behind an unanswered Email, nothing more goes to the MTA",
          "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    // The world is shared by the tests that follow, also when this one fails.
    struct Restore {
        CaptureDelivery& d;
        ~Restore() {
            d.hold = false;
            d.held.clear();
            d.answer = [](const inbound::LocalDeliveryRequest&) {
                return inbound::LocalDeliveryResult{
                    inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
            };
        }
    } restore{w.b.delivery};
    int calls = 0;  // Emails handed to the MTA
    w.b.delivery.answer = [&](const inbound::LocalDeliveryRequest&) {
        ++calls;
        if (calls == 2)
            return inbound::LocalDeliveryResult{
                inbound::LocalDeliveryResult::Kind::temporary, {}, "451 later"};
        return inbound::LocalDeliveryResult{
            inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
    };
    std::vector<outbound::DeliveryReport> reports;
    auto held = fill_window(w, s, 7200, reports);
    // #2's temporary failure is known while #1 is still at the MTA: the
    // connection closes once #1 is answered (docs/decisions.md point 18), so
    // the Emails after #2 get no answer and come again. None beyond the eight
    // already taken may be handed to the MTA meanwhile, however fast the others
    // finish.
    held[1]();
    for (std::size_t i = 2; i < held.size(); ++i) held[i]();
    settle(w, 0.3);
    CHECK(calls == 8);
    CHECK(w.b.delivery.held.empty());
    CHECK(reports.empty());
    held[0]();
    REQUIRE(run_until(
        w.loop, [&] { return reports.size() == 12; }, 10));
    CHECK(calls == 8);
    std::sort(reports.begin(), reports.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
    CHECK(reports[0].recipients[0].status == outbound::RecipientStatus::delivered);
    for (std::size_t i = 1; i < reports.size(); ++i) {
        INFO("Email " << reports[i].id);
        CHECK(reports[i].recipients[0].status == outbound::RecipientStatus::temporary);
    }
}

TEST_CASE("an unknown recipient is refused alone; the others are delivered", "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ecdsa_p256);
    w.b.delivery.answer = [](const inbound::LocalDeliveryRequest& r) {
        inbound::LocalDeliveryResult result{inbound::LocalDeliveryResult::Kind::delivered, {}, "250 ok"};
        for (const auto& rcpt : r.recipients)
            if (rcpt.rfind("nobody@", 0) == 0) result.refused.push_back(rcpt);
        return result;
    };
    auto report = deliver(w, *s.deliverer, email_to({"bob@gb.test", "nobody@gb.test"}, 5000));
    w.b.delivery.answer = CaptureDelivery().answer;
    REQUIRE(report.recipients.size() == 2);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(report.recipients[1].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(report.recipients[1].detail, Catch::Contains("unknown_address"));
}

TEST_CASE(
    "the inbound policy refuses one recipient for this sender as unknown_address; the other is delivered",
    "[integration][authorisation]") {
    // Issue 18 point 4: the sender is alice@ga.test, authenticated by the
    // Email's signature; bob's black list names her domain.
    auto& w = world();
    auto s = w.sender(KeyType::ecdsa_p256);
    auto policy = inbound::parse_sender_authorisation("bob@gb.test refuse @ga.test\n", "policy");
    REQUIRE(policy);
    w.b.settings.authorisation = std::make_shared<const inbound::SenderAuthorisation>(std::move(*policy));
    std::vector<inbound::RecipientAuthorisation> decided;
    w.b.context->on_authorisation = [&](const inbound::RecipientAuthorisation& a) { decided.push_back(a); };
    const auto before = w.b.delivery.delivered.size();
    auto report = deliver(w, *s.deliverer, email_to({"bob@gb.test", "carol@gb.test"}, 5500));
    w.b.settings.authorisation = nullptr;
    w.b.context->on_authorisation = nullptr;
    REQUIRE(report.recipients.size() == 2);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("unknown_address"));
    CHECK(report.recipients[1].status == outbound::RecipientStatus::delivered);
    REQUIRE(w.b.delivery.delivered.size() == before + 1);
    CHECK(w.b.delivery.delivered.back().request.recipients == std::vector<std::string>{"carol@gb.test"});
    REQUIRE(decided.size() == 2);
    CHECK(decided[0].rule == inbound::SenderRule::refuse);
    CHECK(decided[0].basis == inbound::AuthorisationBasis::sender_domain);
    CHECK(decided[1].rule == inbound::SenderRule::allow);
}

TEST_CASE("a local MTA that is down makes the Email a temporary failure", "[integration]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    w.b.delivery.answer = [](const inbound::LocalDeliveryRequest&) {
        return inbound::LocalDeliveryResult{
            inbound::LocalDeliveryResult::Kind::temporary, {}, "connection refused"};
    };
    auto report = deliver(w, *s.deliverer, email_to({"bob@gb.test"}, 6000));
    w.b.delivery.answer = CaptureDelivery().answer;
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::temporary);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("service_unavailable"));
}

// Last: it drains gb's listener, which the cases above share.
TEST_CASE("draining: new connections are refused, idle ones end, an Email in flight is answered first",
          "[integration][drain]") {
    auto& w = world();
    auto s = w.sender(KeyType::ed25519);
    // An idle client: TLS up, the ServerHello read, nothing sent.
    RawClient idle(w.loop, w.b.port, w.b.host);
    REQUIRE(idle.wait_for(1));
    // An Email held at the local MTA while the drain begins.
    w.b.delivery.hold = true;
    std::optional<outbound::DeliveryReport> report;
    s.deliverer->deliver(email_to({"bob@gb.test"}, 9000),
                         [&](outbound::DeliveryReport r) { report = std::move(r); });
    REQUIRE(run_until(w.loop, [&] { return !w.b.delivery.held.empty(); }));
    REQUIRE(w.b.listener->connections() == 2);

    w.b.listener->stop_accepting();

    // The listening socket is closed: the kernel refuses, nothing waits in a backlog.
    auto at = net::Endpoint::parse("127.0.0.1", w.b.port);
    REQUIRE(at);
    auto fd = net::start_connect(*at);
    if (fd) {
        pollfd p{fd->get(), POLLOUT, 0};
        REQUIRE(::poll(&p, 1, 2000) == 1);
        CHECK(net::connect_result(fd->get()) == ECONNREFUSED);
    } else {
        CHECK_THAT(fd.error(), Catch::Contains("refused"));
    }

    // The idle connection ends at once: an unreferenced service_unavailable, then close_notify.
    REQUIRE(idle.wait_closed(3));
    CHECK(idle.close_reason == "clean");
    REQUIRE(idle.received.size() == 2);
    auto error = idle.error_at(1);
    REQUIRE(error);
    CHECK(error->code == ErrorCode::service_unavailable);
    CHECK_FALSE(error->message_number);

    // The busy one waits for its Email, answers it, and only then ends.
    event::Timer pause(w.loop, [] {});
    pause.start(event::Timer::Seconds(0.3));
    run_until(w.loop, [&] { return !pause.active(); });
    CHECK_FALSE(report);
    CHECK(w.b.listener->connections() == 1);
    w.b.delivery.hold = false;
    w.b.delivery.release_held();
    REQUIRE(run_until(
        w.loop, [&] { return report.has_value(); }, 5));
    REQUIRE(report->recipients.size() == 1);
    CHECK(report->recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(run_until(
        w.loop, [&] { return w.b.listener->connections() == 0; }, 3));
}

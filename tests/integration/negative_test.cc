// The negative matrix of issue 4, end to end: real TLS, real signed DNS
// (nsd + libunbound), a test CA and CT log. Each receiving site is broken in
// one way (sites.h); each case asserts the exact outcome: the recipient
// status and why (outbound side), the spec ErrorCode the client got
// (inbound side), and what did or did not reach the receiving MTA.
// Positive controls (SRVName, DANE-EE self-signed, honest DANE-TA) sit next
// to the failures they distinguish.
#include <fmt/core.h>

#include "raw_client.h"
#include "sites.h"

using namespace smtpsec;
using namespace smtpsec::test;
using testpki::CertSpec;
using testpki::Key;
using testpki::KeyType;
using Leaf = testpki::TestPki::Leaf;

namespace {

auto now() { return std::chrono::system_clock::now(); }
constexpr std::uint64_t kSmallLimit = 4096;

struct Matrix {
    Sites s;
    Leaf ga_leaf;
    Leaf tlsa_other;  // a certificate the TLSA record of tlsamiss.test names

    Matrix() {
        auto& pki = s.pki;
        ga_leaf = pki.leaf({"mx.ga.test"});
        s.add({"ga.test", ga_leaf, {}});
        s.add({"gb.test", pki.leaf({"mx.gb.test"}), {}});
        s.add({"small.test", pki.leaf({"mx.small.test"}), {}, [](inbound::InboundSettings& st) {
                   st.limits.max_message_size = kSmallLimit;
               }});
        s.add({"wrongname.test", pki.leaf({"mx.other.test"}), {}});
        s.add({"srvname.test", pki.leaf({"host.elsewhere.test"}, {"_smtpsec.srvname.test"}), {}});
        tlsa_other = pki.leaf({"mx.tlsamiss.test"});
        s.add({"tlsamiss.test",
               pki.leaf({"mx.tlsamiss.test"}),
               {"3 1 1 " + hex(testpki::tlsa_data(tlsa_other.chain[0], 1, 1))}});

        // Self-signed, no SCT, matched by DANE-EE.
        auto ee_key = Key::generate(KeyType::ecdsa_p256);
        auto ee = testpki::issue(CertSpec::named("mx.daneee.test").dns("mx.daneee.test"), ee_key, nullptr,
                                 ee_key);
        s.add({"daneee.test", Leaf{ee_key, {ee}}, {"3 1 1 " + hex(testpki::tlsa_data(ee, 1, 1))}});

        // DANE-TA naming the real intermediate; the leaf is honest here.
        s.add({"danetaok.test",
               pki.leaf({"mx.danetaok.test"}),
               {"2 0 1 " + hex(testpki::tlsa_data(pki.intermediate, 0, 1))}});
        // The attack: leaf signed by another CA, the real TA appended.
        auto evil_key = Key::generate(KeyType::ecdsa_p256);
        auto evil_ca = testpki::issue(CertSpec::named("Attacker CA").as_ca(), evil_key, nullptr, evil_key);
        auto ta_leaf_key = Key::generate(KeyType::ecdsa_p256);
        auto ta_leaf = testpki::issue(CertSpec::named("mx.daneta.test")
                                          .dns("mx.daneta.test")
                                          .sct({&pki.log, now() - std::chrono::minutes(5)}),
                                      ta_leaf_key, &evil_ca, evil_key);
        s.add({"daneta.test",
               Leaf{ta_leaf_key, {ta_leaf, evil_ca, pki.intermediate}},
               {"2 0 1 " + hex(testpki::tlsa_data(pki.intermediate, 0, 1))}});

        s.add({"nosct.test", pki.leaf({"mx.nosct.test"}, {}, KeyType::ecdsa_p256, false), {}});
        auto bad_key = Key::generate(KeyType::ecdsa_p256);
        auto bad = testpki::issue(CertSpec::named("mx.badsct.test")
                                      .dns("mx.badsct.test")
                                      .sct({&pki.log, now() - std::chrono::minutes(5), true}),
                                  bad_key, &pki.intermediate, pki.intermediate_key);
        s.add({"badsct.test", Leaf{bad_key, {bad, pki.intermediate}}, {}});

        auto old_key = Key::generate(KeyType::ecdsa_p256);
        auto from = now() - std::chrono::hours(24 * 100), until = now() - std::chrono::hours(24 * 10);
        auto old = testpki::issue(CertSpec::named("mx.oldcert.test")
                                      .dns("mx.oldcert.test")
                                      .valid(from, until)
                                      .sct({&pki.log, from + std::chrono::hours(1)}),
                                  old_key, &pki.intermediate, pki.intermediate_key);
        s.add({"oldcert.test", Leaf{old_key, {old, pki.intermediate}}, {}});

        // expired.test is signed with signatures that ran out in 2020: bogus.
        s.add({"expired.test", pki.leaf({"mx.expired.test"}), {}});
        s.start();
    }
};

Matrix& matrix() {
    static Matrix m;
    return m;
}

std::string message(const std::string& from, const std::string& to, std::size_t body_bytes = 0) {
    return fmt::format("SMTPsec-Used:\r\nFrom: {}\r\nTo: {}\r\nSubject: matrix\r\n\r\nHello.\r\n{}", from, to,
                       std::string(body_bytes, 'x') + (body_bytes ? "\r\n" : ""));
}

outbound::OutboundEmail email(const std::string& domain, std::uint64_t id, const std::string& msg) {
    outbound::OutboundEmail e;
    e.id = id;
    e.domain = domain;
    e.recipients = {"bob@" + domain};
    e.message = Bytes::copy_of(msg);
    return e;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

struct Sent {
    outbound::DeliveryReport report;
    std::uint64_t connections;  // TCP connections the site accepted for it
};

// Sends one ordinary Email from ga.test to `domain`.
Sent send_to(const std::string& domain, std::uint64_t id) {
    auto& m = matrix();
    auto sender = m.s.sender(m.ga_leaf, "sender-" + std::to_string(id));
    auto& site = m.s.site(domain);
    site.delivery.delivered.clear();
    auto before = site.listener->accepted();
    auto report = m.s.deliver(*sender.deliverer,
                              email(domain, id, message("Alice <alice@ga.test>", "bob@" + domain)));
    return {report, site.listener->accepted() - before};
}

// The server was refused: the Email is deferred, the site saw a connection
// (the TLS handshake) but received nothing, and the attempt says why.
void check_refused_server(const std::string& domain, std::uint64_t id, const std::string& why) {
    auto [report, connections] = send_to(domain, id);
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::temporary);
    CHECK(report.recipients[0].detail == fmt::format("no SMTPsec server of {} could be used", domain));
    REQUIRE(report.attempts.size() == 1);
    CHECK_THAT(report.attempts[0], Catch::StartsWith(fmt::format("mx.{}[127.0.0.1]:", domain)));
    CHECK_THAT(report.attempts[0], Catch::Contains("server authentication failed: "));
    CHECK_THAT(report.attempts[0], Catch::Contains(why, Catch::CaseSensitive::No));
    CHECK(report.server.empty());
    CHECK(connections == 1);
    CHECK(matrix().s.site(domain).delivery.delivered.empty());
}

void check_delivered(const std::string& domain, std::uint64_t id) {
    auto [report, connections] = send_to(domain, id);
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 1);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(report.attempts.empty());
    CHECK(connections == 1);
    auto& got = matrix().s.site(domain).delivery.delivered;
    REQUIRE(got.size() == 1);
    CHECK(got[0].request.recipients == std::vector<std::string>{"bob@" + domain});
    CHECK_THAT(got[0].data(), Catch::EndsWith("\r\n\r\nHello.\r\n"));
}

// Sends `msg` to gb.test (or `domain`) from a ga.test sender and expects the
// receiving side to refuse it with `code`, delivering nothing.
void check_refused_email(const std::string& domain, const std::string& msg, ErrorCode code,
                         outbound::RecipientStatus status, const Leaf* signing = nullptr) {
    auto& m = matrix();
    auto sender = m.s.sender(m.ga_leaf, "inb-" + std::to_string(static_cast<int>(code)), signing);
    auto& site = m.s.site(domain);
    site.delivery.delivered.clear();
    auto report = m.s.deliver(*sender.deliverer, email(domain, 77, msg));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == status);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains(std::string(name_of(code))));
    CHECK_THAT(report.server, Catch::StartsWith(fmt::format("mx.{}[127.0.0.1]:", domain)));
    CHECK(site.delivery.delivered.empty());
}

}  // namespace

TEST_CASE("a server certificate for another name is refused; nothing is sent", "[integration][negative]") {
    check_refused_server("wrongname.test", 1,
                         "not valid for mx.wrongname.test nor SRVName _smtpsec.wrongname.test");
}

TEST_CASE("a certificate carrying only the SRVName _smtpsec.<domain> is accepted",
          "[integration][negative]") {
    check_delivered("srvname.test", 2);
}

TEST_CASE("a TLSA record that the certificate does not satisfy refuses the server",
          "[integration][negative]") {
    check_refused_server("tlsamiss.test", 3, "TLSA 3 1 1 does not match the leaf");
}

TEST_CASE("a self-signed certificate without SCTs matched by DANE-EE is accepted",
          "[integration][negative]") {
    check_delivered("daneee.test", 4);
}

TEST_CASE("DANE-TA: an honest chain to the named anchor is accepted", "[integration][negative]") {
    check_delivered("danetaok.test", 5);
}

TEST_CASE("DANE-TA: a leaf signed by another CA, with the named anchor appended, is refused",
          "[integration][negative]") {
    check_refused_server("daneta.test", 6, "TLSA 2 0 1 matches no issuer certificate in the chain");
}

TEST_CASE("a CA certificate without SCTs is refused", "[integration][negative]") {
    check_refused_server(
        "nosct.test", 7,
        "certificate transparency: no valid SCT from a trusted log (no SCT in the certificate)");
}

TEST_CASE("a CA certificate whose SCT signature is invalid is refused", "[integration][negative]") {
    check_refused_server("badsct.test", 8, "signature invalid");
}

TEST_CASE("an expired server certificate is refused", "[integration][negative]") {
    check_refused_server("oldcert.test", 9, "CA verification failed: certificate expired at");
}

TEST_CASE("bogus DNS for the recipient domain: no connection at all, deferred", "[integration][negative]") {
    auto [report, connections] = send_to("expired.test", 10);
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::temporary);
    CHECK_THAT(report.recipients[0].detail, Catch::StartsWith("DNS: "));
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("bogus", Catch::CaseSensitive::No));
    CHECK(report.server.empty());
    CHECK(connections == 0);
    CHECK(matrix().s.site("expired.test").listener->accepted() == 0);
}

TEST_CASE("a forged signature is refused with authentication_failed", "[integration][negative]") {
    auto impostor = matrix().s.pki.leaf({"mx.ga.test"});
    check_refused_email("gb.test", message("alice@ga.test", "bob@gb.test"), ErrorCode::authentication_failed,
                        outbound::RecipientStatus::permanent, &impostor);
}

TEST_CASE("a From domain without SRV records is refused with authentication_failed",
          "[integration][negative]") {
    check_refused_email("gb.test", message("alice@nodata.test", "bob@gb.test"),
                        ErrorCode::authentication_failed, outbound::RecipientStatus::permanent);
}

TEST_CASE("two From mailboxes are refused with authentication_failed", "[integration][negative]") {
    check_refused_email("gb.test", message("alice@ga.test, carol@ga.test", "bob@gb.test"),
                        ErrorCode::authentication_failed, outbound::RecipientStatus::permanent);
}

TEST_CASE("an Email over the server's limit is refused with too_large", "[integration][negative]") {
    check_refused_email("small.test", message("alice@ga.test", "bob@small.test", 2 * kSmallLimit),
                        ErrorCode::too_large, outbound::RecipientStatus::permanent);
    // The connection goes on: the next Email under the limit is delivered.
    check_delivered("small.test", 11);
}

TEST_CASE("malformed Messages from a raw client get the spec's errors; the server survives",
          "[integration][negative]") {
    auto& m = matrix();
    auto& site = m.s.site("small.test");
    site.delivery.delivered.clear();
    RawClient c(m.s.loop, site.port, "mx.small.test");
    REQUIRE(c.wait_for(1));
    CHECK(c.handshaken);
    REQUIRE(c.received[0].type() == MessageType::server_hello);

    // #0 an Email before the ClientHello (any bytes will do: timing comes first)
    c.send(raw_frame(20, 3, std::vector<std::uint8_t>(9, 0xee)));
    REQUIRE(c.wait_for(2));
    REQUIRE(c.error_at(1));
    CHECK(c.error_at(1)->code == ErrorCode::illegal_message);
    CHECK(c.error_at(1)->message_number == 0u);

    // #1 a ClientHello of version 1
    ClientHello hello{1, {m.ga_leaf.der()}};
    c.send(Message{{}, hello});
    REQUIRE(c.wait_for(3));
    CHECK(c.error_at(2)->code == ErrorCode::illegal_parameter);
    CHECK(c.error_at(2)->message_number == 1u);

    // #2 a good ClientHello: no answer. #3 an unknown type byte.
    hello.version = 0;
    c.send(Message{{}, hello});
    c.send(raw_frame(11, 99));
    REQUIRE(c.wait_for(4));
    CHECK(c.error_at(3)->code == ErrorCode::illegal_message);
    CHECK(c.error_at(3)->message_number == 3u);

    // #4 an Email naming an unknown signature algorithm (docs/decisions.md
    // point 7's answer).
    c.send(raw_frame(20, 3, std::vector<std::uint8_t>(9, 0xee)));
    REQUIRE(c.wait_for(5));
    REQUIRE(c.error_at(4));
    CHECK(c.error_at(4)->code == ErrorCode::insufficient_security);
    CHECK(c.error_at(4)->message_number == 4u);

    // #5 a truncated Email: chain 0, ed25519, no parameters, 2 of 64 signature bytes.
    c.send(raw_frame(20, 3, {0, 0, 0, 0x08, 0x07, 0, 0, 1, 2}));
    REQUIRE(c.wait_for(6));
    REQUIRE(c.error_at(5));
    CHECK(c.error_at(5)->code == ErrorCode::illegal_message);
    CHECK(c.error_at(5)->message_number == 5u);

    // #6 a ServerHello sent to the server.
    c.send(Message{{}, ServerHello{0}});
    REQUIRE(c.wait_for(7));
    CHECK(c.error_at(6)->code == ErrorCode::illegal_message);
    CHECK(c.error_at(6)->message_number == 6u);

    // #7 an Email of 1 MiB against a 4 KiB limit: answered, skipped, connection goes on.
    const std::uint64_t big = 1 << 20;
    c.send(raw_frame(big, 3, std::vector<std::uint8_t>(big - 11, 0)));
    REQUIRE(c.wait_for(8));
    CHECK(c.error_at(7)->code == ErrorCode::too_large);
    CHECK(c.error_at(7)->message_number == 7u);
    CHECK_FALSE(c.closed);

    // #8 a size below 11 cannot be framed: answered, then the server closes.
    c.send(raw_frame(5, 3));
    REQUIRE(c.wait_for(9));
    CHECK(c.error_at(8)->code == ErrorCode::illegal_message);
    CHECK(c.error_at(8)->message_number == 8u);
    CHECK(c.wait_closed());
    CHECK(c.undecodable.empty());
    CHECK(site.delivery.delivered.empty());

    // The server still serves honest clients.
    check_delivered("small.test", 12);
}

// Issue 13 item 1 (decision D1): the listener delivers only recipients of
// its own domains. The others, and domain literals, are answered
// unknown_address one by one; the MTA never sees them.
namespace {

outbound::DeliveryReport send_recipients(const std::string& domain, std::uint64_t id,
                                         std::vector<std::string> recipients, const std::string& msg) {
    auto& m = matrix();
    auto sender = m.s.sender(m.ga_leaf, "rcpt-" + std::to_string(id));
    m.s.site(domain).delivery.delivered.clear();
    auto e = email(domain, id, msg);
    e.recipients = std::move(recipients);
    return m.s.deliver(*sender.deliverer, std::move(e));
}

}  // namespace

TEST_CASE(
    "recipients outside the listener's domains and domain literals are unknown_address; ours are delivered",
    "[integration][negative][relay]") {
    auto report = send_recipients("gb.test", 30,
                                  {"victim@outside.example", "bob@gb.test", "victim@[127.0.0.1]"},
                                  message("alice@ga.test", "bob@gb.test"));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 3);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("unknown_address"));
    CHECK(report.recipients[1].status == outbound::RecipientStatus::delivered);
    CHECK(report.recipients[2].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(report.recipients[2].detail, Catch::Contains("unknown_address"));
    auto& got = matrix().s.site("gb.test").delivery.delivered;
    REQUIRE(got.size() == 1);
    CHECK(got[0].request.recipients == std::vector<std::string>{"bob@gb.test"});
}

TEST_CASE("an Email only for other domains reaches nothing: every recipient unknown_address",
          "[integration][negative][relay]") {
    auto report = send_recipients("gb.test", 31, {"victim@outside.example", "x@[192.0.2.1]"},
                                  message("alice@ga.test", "victim@outside.example"));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 2);
    for (const auto& r : report.recipients) {
        CHECK(r.status == outbound::RecipientStatus::permanent);
        CHECK_THAT(r.detail, Catch::Contains("unknown_address"));
    }
    CHECK(matrix().s.site("gb.test").delivery.delivered.empty());
}

TEST_CASE("a local part routing to another host (%, !, quoted @) is unknown_address; the MTA never sees it",
          "[integration][negative][relay]") {
    auto report = send_recipients("gb.test", 39,
                                  {"victim%outside.example@gb.test", "outside.example!victim@gb.test",
                                   "\"victim@outside.example\"@gb.test", "bob@gb.test"},
                                  message("alice@ga.test", "bob@gb.test"));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(report.recipients[i].status == outbound::RecipientStatus::permanent);
        CHECK_THAT(report.recipients[i].detail, Catch::Contains("unknown_address"));
    }
    CHECK(report.recipients[3].status == outbound::RecipientStatus::delivered);
    auto& got = matrix().s.site("gb.test").delivery.delivered;
    REQUIRE(got.size() == 1);
    CHECK(got[0].request.recipients == std::vector<std::string>{"bob@gb.test"});
}

// Decision D4 (issue 13 item 9): a quoted local part is re-injected as
// written, and the Received `for` clause shows the same form.
TEST_CASE("a quoted local part recipient is delivered; Received names it in the same form",
          "[integration][negative][relay]") {
    auto report = send_recipients("gb.test", 32, {"\"bob x\"@gb.test"},
                                  message("alice@ga.test", "bob@gb.test"));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 1);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    auto& got = matrix().s.site("gb.test").delivery.delivered;
    REQUIRE(got.size() == 1);
    CHECK(got[0].request.recipients == std::vector<std::string>{"\"bob x\"@gb.test"});
    CHECK_THAT(got[0].data(), Catch::Contains("\r\n\tfor <\"bob x\"@gb.test>; "));
}

TEST_CASE("a recipient SMTP cannot carry makes the Email illegal_parameter",
          "[integration][negative][relay]") {
    auto report = send_recipients("gb.test", 33, {"bob@gb.test", "\"bob\tx\"@gb.test"},
                                  message("alice@ga.test", "bob@gb.test"));
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 2);
    for (const auto& r : report.recipients) {
        CHECK(r.status == outbound::RecipientStatus::permanent);
        CHECK_THAT(r.detail, Catch::Contains("illegal_parameter"));
    }
    CHECK(matrix().s.site("gb.test").delivery.delivered.empty());
}

// Decision D3 (issue 13 items 3, 10, 12): a From the MTA or a reader would
// show differently is refused, permanently, before anything is delivered.
TEST_CASE("a From domain that is no host name is authentication_failed, not a temporary failure",
          "[integration][negative][from]") {
    check_refused_email("gb.test", message("alice@a!b.test", "bob@gb.test"), ErrorCode::authentication_failed,
                        outbound::RecipientStatus::permanent);
}

TEST_CASE("an encoded word inside the From address is authentication_failed",
          "[integration][negative][from]") {
    check_refused_email("gb.test", message("=?utf-8?q?ceo?=@ga.test", "bob@gb.test"),
                        ErrorCode::authentication_failed, outbound::RecipientStatus::permanent);
}

TEST_CASE("a From field longer than 2,048 bytes is authentication_failed", "[integration][negative][from]") {
    check_refused_email("gb.test",
                        message("\"" + std::string(2100, 'x') + "\" <alice@ga.test>", "bob@gb.test"),
                        ErrorCode::authentication_failed, outbound::RecipientStatus::permanent);
}

TEST_CASE("recipients refused by us and by the MTA are listed together in the Email's order",
          "[integration][negative][relay]") {
    auto& site = matrix().s.site("gb.test");
    site.delivery.answer = [](const inbound::LocalDeliveryRequest& r) {
        inbound::LocalDeliveryResult result{
            inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
        for (const auto& rcpt : r.recipients)
            if (rcpt.rfind("nobody@", 0) == 0) result.refused.push_back(rcpt);
        return result;
    };
    auto report = send_recipients("gb.test", 34, {"nobody@gb.test", "victim@outside.example", "bob@gb.test"},
                                  message("alice@ga.test", "bob@gb.test"));
    site.delivery.answer = [](const inbound::LocalDeliveryRequest&) {
        return inbound::LocalDeliveryResult{
            inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
    };
    INFO("attempts:\n" << joined(report.attempts));
    REQUIRE(report.recipients.size() == 3);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::permanent);
    CHECK(report.recipients[1].status == outbound::RecipientStatus::permanent);
    CHECK(report.recipients[2].status == outbound::RecipientStatus::delivered);
    REQUIRE(site.delivery.delivered.size() == 1);
    CHECK(site.delivery.delivered[0].request.recipients ==
          std::vector<std::string>{"nobody@gb.test", "bob@gb.test"});
}

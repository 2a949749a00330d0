// The queue runner's policy with a fake Transport and MailSubmitter and a
// clock the test moves: delivery, backoff, expiry, bounces and their DSNs,
// hand-back to the MTA, concurrency per destination, hold, delay warnings.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "imf/header_section.h"
#include "queue/runner.h"
#include "queue/way_out.h"
#include "queue_fixture.h"

using namespace smtpsec;
using namespace smtpsec::queue;
using namespace smtpsec::queue::testing;

namespace {

struct Harness {
    smtpsec::testing::TempDir dir;
    Spool spool{dir.file("q")};
    event::Loop loop;
    FakeTransport transport;
    FakeSubmitter submitter;
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    QueueSettings settings = [] {
        QueueSettings s;
        s.bounce_from = "MAILER-DAEMON@mx.a.test";
        s.reporting_mta = "mx.a.test";
        s.delay_warning = std::chrono::seconds(0);
        return s;
    }();
    std::unique_ptr<QueueRunner> runner;

    void start() {
        runner = std::make_unique<QueueRunner>(loop, spool, settings, transport, submitter,
                                               [this] { return now; });
        runner->start();
        runner->process_due();
    }
    std::string add(NewMessage m = sample_new()) {
        auto id = spool.accept(m);
        REQUIRE(id);
        // The spool stamps arrival with the real clock; the fake one must not lag it.
        now = std::max(now, envelope(*id).arrival);
        return *id;
    }
    Envelope envelope(const std::string& id) {
        auto e = spool.load(id);
        REQUIRE(e);
        return *e;
    }
};

std::string field(const std::string& message, const std::string& name) {
    auto pos = message.find("\r\n" + name + ": ");
    if (pos == std::string::npos) return "";
    pos += name.size() + 4;
    return message.substr(pos, message.find("\r\n", pos) - pos);
}

}  // namespace

TEST_CASE("a delivered recipient is logged with the remote answer and the entry removed", "[queue][runner]") {
    LogCapture logs;
    Harness h;
    auto id = h.add();
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    const auto& call = h.transport.calls[0];
    CHECK(call.from_domain == "a.test");
    CHECK(call.email.domain == "b.test");
    CHECK(call.email.recipients == std::vector<std::string>{"bob@b.test"});
    CHECK_FALSE(call.email.require_security);
    // prepare_for_signing: Received moved to the trace headers, SMTPsec-Used first.
    REQUIRE(call.email.trace_headers.size() == 1);
    CHECK(call.email.trace_headers[0].name == "Received");
    CHECK(call.email.message.view().substr(0, 15) == "SMTPsec-Used:\r\n");
    CHECK(call.email.message.view().find("Received:") == std::string_view::npos);

    h.transport.answer(0, DeliveryStatus::delivered, "mx.b.test[127.0.0.1]:4650 answered EmailDelivered");
    CHECK(h.spool.list().empty());
    CHECK(h.runner->stats().delivered == 1);
    CHECK(h.runner->stats().entries == 0);
    CHECK(logs.contains("4Xq1: " + id + ": to=<bob@b.test>",
                        "status=delivered (mx.b.test[127.0.0.1]:4650 answered EmailDelivered)"));
    CHECK(h.submitter.calls.empty());
}

TEST_CASE("temporary failures back off by doubling and are not retried early", "[queue][runner]") {
    Harness h;
    auto id = h.add();
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    h.transport.answer(0, DeliveryStatus::temporary, "all targets failed");
    auto e = h.envelope(id);
    CHECK(e.recipients[0].state == RecipientState::pending);
    CHECK(e.recipients[0].attempts == 1);
    CHECK(e.recipients[0].next_attempt == h.now + 300);
    CHECK(e.recipients[0].last_error == "all targets failed");
    CHECK(e.recipients[0].last_server == "mx.b.test[127.0.0.1]:4650");

    h.now += 299;
    h.runner->process_due();
    CHECK(h.transport.calls.size() == 1);
    h.now += 1;
    h.runner->process_due();
    REQUIRE(h.transport.calls.size() == 2);
    h.transport.answer(1, DeliveryStatus::temporary, "still down");
    e = h.envelope(id);
    CHECK(e.recipients[0].attempts == 2);
    CHECK(e.recipients[0].next_attempt == h.now + 600);
    CHECK(h.runner->stats().deferred == 2);
}

TEST_CASE("a temporary failure after the lifetime bounces with 4.4.7 and a DSN", "[queue][runner]") {
    Harness h;
    h.settings.lifetime = std::chrono::seconds(1000);
    auto id = h.add();
    h.start();
    h.transport.answer(0, DeliveryStatus::temporary, "connection refused");
    CHECK(h.envelope(id).recipients[0].next_attempt == h.now + 300);
    h.now += 1000;
    h.runner->process_due();
    REQUIRE(h.transport.calls.size() == 2);
    h.transport.answer(1, DeliveryStatus::temporary, "connection refused");
    h.runner->process_due();
    REQUIRE(h.submitter.calls.size() == 1);
    const auto& dsn = h.submitter.calls[0];
    CHECK(dsn.request.mail_from.empty());
    CHECK(dsn.request.recipients == std::vector<std::string>{"alice@a.test"});
    auto text = dsn.message();
    CHECK(field(text, "Status") == "4.4.7");
    CHECK(field(text, "Action") == "failed");
    CHECK(field(text, "Diagnostic-Code").find("delivery time expired: connection refused") !=
          std::string::npos);
    CHECK(h.envelope(id).recipients[0].state == RecipientState::bounced);
    h.submitter.accept(0);
    CHECK(h.spool.list().empty());
    CHECK(h.runner->stats().dsns_sent == 1);
}

TEST_CASE("a permanent failure sends one DSN with the original headers and no body", "[queue][runner]") {
    Harness h;
    auto id = h.add(sample_new({"bob@b.test", "dave@b.test"}));
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    DeliveryReport report;
    report.server = "mx.b.test[127.0.0.1]:4650";
    report.recipients = {
        {"bob@b.test", DeliveryStatus::permanent, "mx.b.test[127.0.0.1]:4650 answered unknown_address"},
        {"dave@b.test", DeliveryStatus::delivered, "mx.b.test[127.0.0.1]:4650 delivered (others unknown)"}};
    auto done = std::move(h.transport.calls[0].done);
    done(report);
    h.runner->process_due();
    REQUIRE(h.submitter.calls.size() == 1);
    auto text = h.submitter.calls[0].message();
    CHECK(h.submitter.calls[0].request.mail_from.empty());
    CHECK(field(text, "Final-Recipient") == "rfc822; bob@b.test");
    CHECK(field(text, "Status") == "5.1.1");
    CHECK(field(text, "Remote-MTA") == "dns; mx.b.test");
    CHECK(text.find("dave@b.test") == std::string::npos);
    CHECK(text.find("Subject: Hello\r\n") != std::string::npos);
    CHECK(text.find(sample_body) == std::string::npos);
    REQUIRE(imf::parse_message(text));

    // The entry stays until the DSN is submitted; a temporary failure keeps it for later.
    h.submitter.fail_temporarily(0);
    auto e = h.envelope(id);
    CHECK(e.owes_dsn());
    CHECK(e.notify_after == h.now + 300);
    h.runner->process_due();
    CHECK(h.submitter.calls.size() == 1);
    h.now += 300;
    h.runner->process_due();
    REQUIRE(h.submitter.calls.size() == 2);
    h.submitter.accept(1);
    CHECK(h.spool.list().empty());
}

TEST_CASE("use_smtp hands the unchanged message back to the MTA", "[queue][runner]") {
    LogCapture logs;
    Harness h;
    auto id = h.add();
    h.start();
    h.transport.answer(0, DeliveryStatus::use_smtp, "b.test: no SMTPsec (none_insecure)", "");
    REQUIRE(h.submitter.calls.size() == 1);
    const auto& call = h.submitter.calls[0];
    CHECK(call.request.mail_from == "alice@a.test");
    CHECK(call.request.recipients == std::vector<std::string>{"bob@b.test"});
    CHECK(call.message() == sample_message());
    CHECK(h.transport.calls.size() == 1);
    h.submitter.accept(0);
    CHECK(h.spool.list().empty());
    CHECK(h.runner->stats().handed_back == 1);
    CHECK(logs.contains(id, "status=handed_back"));
}

TEST_CASE("a hand-back the MTA cannot take now is retried later", "[queue][runner]") {
    Harness h;
    auto id = h.add();
    h.start();
    h.transport.answer(0, DeliveryStatus::use_smtp, "no SMTPsec", "");
    REQUIRE(h.submitter.calls.size() == 1);
    h.submitter.fail_temporarily(0, "connection refused");
    auto e = h.envelope(id);
    CHECK(e.recipients[0].state == RecipientState::pending);
    CHECK(e.recipients[0].next_attempt == h.now + 300);
    CHECK(e.recipients[0].last_error == "hand-back to the MTA failed: connection refused");
}

TEST_CASE("use_smtp with require_security bounces instead of handing back", "[queue][runner]") {
    Harness h;
    auto m = sample_new();
    m.require_security = true;
    auto id = h.add(m);
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    CHECK(h.transport.calls[0].email.require_security == std::optional<std::uint8_t>(1));
    h.transport.answer(0, DeliveryStatus::use_smtp, "none_insecure", "");
    h.runner->process_due();
    REQUIRE(h.submitter.calls.size() == 1);  // the DSN, no hand-back
    const auto& dsn = h.submitter.calls[0];
    CHECK(dsn.request.mail_from.empty());
    CHECK(dsn.request.recipients == std::vector<std::string>{"alice@a.test"});
    auto text = dsn.message();
    CHECK(field(text, "Status") == "5.7.10");
    CHECK(text.find("no SMTPsec for domain b.test and SMTPsec was required") != std::string::npos);
    CHECK(h.envelope(id).recipients[0].state == RecipientState::bounced);
}

TEST_CASE("use_smtp with require_security = 0 hands back on the secure port only", "[queue][runner]") {
    LogCapture logs;
    Harness h;
    auto m = sample_new();
    m.require_security = true;
    m.tls_suffices = true;
    auto id = h.add(m);
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    CHECK(h.transport.calls[0].email.require_security == std::optional<std::uint8_t>(0));
    h.transport.answer(0, DeliveryStatus::use_smtp, "none_secure", "");
    REQUIRE(h.submitter.calls.size() == 1);
    CHECK(h.submitter.calls[0].secure);
    CHECK(h.submitter.calls[0].request.recipients == std::vector<std::string>{"bob@b.test"});
    CHECK(h.submitter.calls[0].message() == sample_message());
    h.submitter.accept(0);
    CHECK(h.spool.list().empty());
    CHECK(
        logs.contains(id,
                      "status=handed_back (no SMTPsec for the domain; given to the MTA to leave by SMTP over "
                      "verified TLS only: 250 2.1.5 Ok)"));
}

TEST_CASE("without a requirement the hand-back uses the ordinary port", "[queue][runner]") {
    Harness h;
    h.add();
    h.start();
    h.transport.answer(0, DeliveryStatus::use_smtp, "none_secure", "");
    REQUIRE(h.submitter.calls.size() == 1);
    CHECK_FALSE(h.submitter.calls[0].secure);
}

TEST_CASE("a secure hand-back the MTA cannot take is retried, never sent the ordinary way",
          "[queue][runner]") {
    Harness h;
    auto m = sample_new();
    m.require_security = true;
    m.tls_suffices = true;
    auto id = h.add(m);
    h.start();
    h.transport.answer(0, DeliveryStatus::use_smtp, "none_secure", "");
    REQUIRE(h.submitter.calls.size() == 1);
    h.submitter.fail_temporarily(0, "connection refused");
    CHECK(h.envelope(id).recipients[0].state == RecipientState::pending);
    CHECK(h.submitter.calls.size() == 1);
}

TEST_CASE("the way out without SMTPsec follows require_security", "[queue][way_out]") {
    Envelope e;
    CHECK(way_out_without_smtpsec(e) == WayOut::hand_back);
    e.require_security = true;
    CHECK(way_out_without_smtpsec(e) == WayOut::bounce);
    CHECK(require_security_value(e) == 1);
    e.tls_suffices = true;
    CHECK(way_out_without_smtpsec(e) == WayOut::hand_back_verified_tls);
    CHECK(require_security_value(e) == 0);
}

TEST_CASE("no more than destination_concurrency deliveries per domain are in flight", "[queue][runner]") {
    Harness h;
    h.settings.destination_concurrency = 2;
    for (int i = 0; i < 5; ++i) h.add();
    h.add(sample_new({"carol@c.test"}));
    h.start();
    auto count = [&](const std::string& domain) {
        std::size_t n = 0;
        for (const auto& c : h.transport.calls)
            if (c.email.domain == domain) ++n;
        return n;
    };
    CHECK(count("b.test") == 2);
    CHECK(count("c.test") == 1);  // another destination is not held up
    CHECK(h.runner->in_flight_for("b.test") == 2);
    h.runner->process_due();
    CHECK(count("b.test") == 2);
    h.transport.answer(0, DeliveryStatus::delivered, "ok");
    CHECK(h.runner->in_flight_for("b.test") == 1);
    h.runner->process_due();
    CHECK(count("b.test") == 3);
    CHECK(h.runner->in_flight_for("b.test") == 2);
}

TEST_CASE("deliveries in flight hold no more message bytes than delivery_memory", "[queue][runner]") {
    Harness h;
    auto big = [](const std::string& rcpt) {
        auto m = sample_new({rcpt});
        m.body = std::string(300 * 1024, 'x') + "\r\n";
        return m;
    };
    h.settings.delivery_memory = 512 * 1024;  // one 300 KiB message fits, a second starts below it
    for (int i = 0; i < 4; ++i) h.add(big("bob@b.test"));
    h.add(big("carol@c.test"));
    h.start();
    // The first delivery starts with nothing in flight, the second while 300 KiB
    // are (below 512 KiB); then the budget is spent, for every domain.
    REQUIRE(h.transport.calls.size() == 2);
    CHECK(h.runner->bytes_in_flight() > 600u * 1024);
    h.runner->process_due();
    CHECK(h.transport.calls.size() == 2);
    h.transport.answer(0, DeliveryStatus::delivered, "ok");
    CHECK(h.runner->bytes_in_flight() < 400u * 1024);
    h.runner->process_due();
    CHECK(h.transport.calls.size() == 3);
    for (std::size_t i = 1; i < 3; ++i) h.transport.answer(i, DeliveryStatus::delivered, "ok");
    h.runner->process_due();
    CHECK(h.transport.calls.size() == 5);  // the rest, c.test included
    for (std::size_t i = 3; i < 5; ++i) h.transport.answer(i, DeliveryStatus::delivered, "ok");
    CHECK(h.runner->bytes_in_flight() == 0);
    CHECK(h.spool.list().empty());
}

TEST_CASE("no DSN for a null sender, unless a postmaster is configured", "[queue][runner]") {
    LogCapture logs;
    Harness h;
    auto id = h.add(sample_new({"bob@b.test"}, ""));
    SECTION("only logged") {
        h.start();
        h.transport.answer(0, DeliveryStatus::permanent, "answered unknown_address");
        h.runner->process_due();
        CHECK(h.submitter.calls.empty());
        CHECK(h.spool.list().empty());
        CHECK(logs.contains(id, "null sender"));
    }
    SECTION("to the postmaster") {
        h.settings.postmaster = "postmaster@a.test";
        h.start();
        h.transport.answer(0, DeliveryStatus::permanent, "answered unknown_address");
        h.runner->process_due();
        REQUIRE(h.submitter.calls.size() == 1);
        CHECK(h.submitter.calls[0].request.mail_from.empty());
        CHECK(h.submitter.calls[0].request.recipients == std::vector<std::string>{"postmaster@a.test"});
    }
}

TEST_CASE("held entries are not attempted until released and rescanned", "[queue][runner]") {
    Harness h;
    auto id = h.add();
    REQUIRE(h.spool.update(id, [](Envelope& e) {
        e.held = true;
        return true;
    }));
    h.start();
    CHECK(h.transport.calls.empty());
    REQUIRE(h.spool.update(id, [](Envelope& e) {
        e.held = false;
        return true;
    }));
    h.runner->process_due();
    CHECK(h.transport.calls.empty());  // not re-read yet
    h.runner->rescan();
    h.runner->process_due();
    CHECK(h.transport.calls.size() == 1);
}

TEST_CASE("an entry deleted while in flight is dropped when its delivery ends", "[queue][runner]") {
    Harness h;
    auto id = h.add();
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    REQUIRE(h.spool.remove(id));
    h.runner->rescan();
    h.transport.answer(0, DeliveryStatus::temporary, "later");
    h.runner->process_due();
    CHECK(h.runner->stats().entries == 0);
    CHECK(h.transport.calls.size() == 1);
    CHECK(h.spool.list().empty());
}

TEST_CASE("one delay warning after delay_warning", "[queue][runner]") {
    Harness h;
    h.settings.delay_warning = std::chrono::seconds(3600);
    auto id = h.add();
    h.start();
    h.transport.answer(0, DeliveryStatus::temporary, "peer down");
    h.now += 3600;
    h.runner->process_due();
    REQUIRE(h.submitter.calls.size() == 1);
    auto text = h.submitter.calls[0].message();
    CHECK(field(text, "Action") == "delayed");
    CHECK(field(text, "Status").substr(0, 1) == "4");
    h.submitter.accept(0);
    CHECK(h.envelope(id).delay_warned);
    h.now += 7200;
    h.runner->process_due();
    CHECK(h.submitter.calls.size() == 1);
    CHECK(h.spool.list().size() == 1);
}

TEST_CASE("accepted() from another thread wakes the loop; drain waits for work in flight",
          "[queue][runner]") {
    Harness h;
    h.start();
    auto id = h.add();
    std::thread milter([&] { h.runner->accepted(id); });
    milter.join();
    for (int i = 0; i < 10 && h.transport.calls.empty(); ++i) h.loop.run_once();
    REQUIRE(h.transport.calls.size() == 1);
    bool drained = false;
    h.runner->drain([&] { drained = true; });
    CHECK_FALSE(drained);
    h.transport.answer(0, DeliveryStatus::delivered, "ok");
    CHECK(drained);
    CHECK(h.spool.list().empty());
}

// Issue 16 (docs/forwarding.md): forwarded copies of Emails received over SMTPsec.
namespace {

const std::string forwarded_original = "SMTPsec-Used:\r\nFrom: alice@a.test\r\nSubject: fwd\r\n\r\nbody\r\n";

NewMessage presigned_new() {
    NewMessage m = sample_new({"carol@c.test"});
    m.message = forwarded_original;
    m.forward = ForwardKind::presigned;
    m.forward_signature.algorithm = 0x0807;
    m.forward_signature.signature_hex = std::string(128, 'b');
    m.forward_signature.chain_hex = {"0a0b"};
    m.forward_signature.trace_headers = {{"Received", "from mx.b.test by mx.b.test"},
                                         {"Received", "from mx.a.test by mx.b.test with SMTPSEC"}};
    return m;
}

}  // namespace

TEST_CASE("a presigned entry is sent as the original bytes with the origin's signature, chain and trace",
          "[queue][runner][forward]") {
    Harness h;
    h.add(presigned_new());
    h.start();
    REQUIRE(h.transport.calls.size() == 1);
    const auto& email = h.transport.calls[0].email;
    CHECK(email.message.view() == forwarded_original);  // not prepared, not signed again
    REQUIRE(email.presigned);
    CHECK(email.presigned->algorithm == SignatureAlgorithm::ed25519);
    CHECK(email.presigned->signature == Bytes(std::vector<std::uint8_t>(64, 0xbb)));
    CHECK(email.presigned->chain == CertificateChain{Bytes(std::vector<std::uint8_t>{0x0a, 0x0b})});
    REQUIRE(email.trace_headers.size() == 2);
    CHECK(email.trace_headers[1].value == "from mx.a.test by mx.b.test with SMTPSEC");
    h.transport.answer(0, DeliveryStatus::delivered, "EmailDelivered");
    CHECK(h.spool.list().empty());
}

TEST_CASE("a presigned entry for a domain without SMTPsec is handed back in the 6.4.5 form",
          "[queue][runner][forward]") {
    Harness h;
    h.add(presigned_new());
    h.start();
    h.transport.answer(0, DeliveryStatus::use_smtp, "c.test: no SMTPsec", "");
    REQUIRE(h.submitter.calls.size() == 1);
    CHECK(h.submitter.calls[0].message() ==
          "Received: from mx.b.test by mx.b.test\r\nReceived: from mx.a.test by mx.b.test with SMTPSEC\r\n"
          "From: alice@a.test\r\nSubject: fwd\r\n\r\nbody\r\n");
}

TEST_CASE("an unsigned copy never reaches the Transport: handed back, or bounced when SMTPsec was required",
          "[queue][runner][forward]") {
    Harness h;
    auto m = sample_new({"carol@c.test"});
    m.forward = ForwardKind::unsigned_copy;
    SECTION("not required: by SMTP") {
        h.add(m);
        h.start();
        CHECK(h.transport.calls.empty());
        REQUIRE(h.submitter.calls.size() == 1);
        CHECK(h.submitter.calls[0].message() == sample_message());
    }
    SECTION("required (value 1): bounced with a DSN") {
        m.require_security = true;
        auto id = h.add(m);
        h.start();
        CHECK(h.transport.calls.empty());
        CHECK(h.envelope(id).recipients[0].state == RecipientState::bounced);
        h.runner->process_due();
        REQUIRE(h.submitter.calls.size() == 1);  // the DSN, no hand-back
        CHECK(h.submitter.calls[0].request.recipients == std::vector<std::string>{"alice@a.test"});
        CHECK(h.submitter.calls[0].message().find("forwarded copy changed at this site") !=
              std::string::npos);
    }
}

// Re-injection into a real SMTP server: ga.test -> gb.test over SMTPsec, and
// gb.test's listener hands the Email to Postfix's smtp-sink through the MTA
// client (mta::Injector, via SmtpLocalDelivery). smtp-sink dumps each
// transaction to a file; the test reads it back and compares envelope and
// content. Why: the
// CaptureDelivery of the other tests skips the SMTP client; this proves the
// whole receiving path up to a real MTA's 250 (docs/decisions.md point 18).
#include <regex>

#include "inbound/smtp_local_delivery.h"
#include "sites.h"
#include "support/smtp_sink.h"

using namespace smtpsec;
using namespace smtpsec::test;

TEST_CASE("real TLS, real signed DNS fixture, a real SMTP server behind", "[integration][reinject]") {
    Sites s;
    auto ga = s.pki.leaf({"mx.ga.test"});
    s.add({"ga.test", ga, {}});
    s.add({"gb.test", s.pki.leaf({"mx.gb.test"}), {}});
    SmtpSink sink(s.dir / "sink");
    mta::InjectorConfig config;
    config.address = "127.0.0.1";
    config.port = sink.port;
    config.helo_name = "mx.gb.test";
    mta::Injector injector(s.loop, config);
    inbound::SmtpLocalDelivery next_hop(injector);
    s.site("gb.test").next_hop = &next_hop;
    s.start();

    auto sender = s.sender(ga, "ga");
    outbound::OutboundEmail e;
    e.id = 1;
    e.domain = "gb.test";
    e.recipients = {"bob@gb.test", "carol@gb.test"};
    const std::string body = "Hello Bob.\r\n.a line that starts with a dot\r\n..two\r\n";
    e.message = Bytes::copy_of(
        "SMTPsec-Used:\r\nFrom: Alice <alice@ga.test>\r\nTo: bob@gb.test\r\n"
        "Subject: re-injected\r\n\r\n" +
        body);
    auto report = s.deliver(*sender.deliverer, std::move(e));
    INFO("attempts: " << (report.attempts.empty() ? "" : report.attempts.front()));
    REQUIRE(report.recipients.size() == 2);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(report.recipients[1].status == outbound::RecipientStatus::delivered);

    // The sink answered 250 to the final dot before the gateway answered us,
    // so its dump is complete by now.
    auto dumps = sink.dumps();
    REQUIRE(dumps.size() == 1);
    std::string d = std::regex_replace(dumps[0], std::regex("\r\n"), "\n");
    INFO("dump:\n" << d);
    CHECK_THAT(d, Catch::Contains("X-Mail-Args: <alice@ga.test>"));
    CHECK_THAT(d, Catch::Contains("X-Rcpt-Args: <bob@gb.test>\nX-Rcpt-Args: <carol@gb.test>\n") ||
                      Catch::Contains("X-Rcpt-Args: <bob@gb.test> <carol@gb.test>\n"));
    // After smtp-sink's own Received: ours (two recipients: no "for"), the
    // verdict, the signed message as signed (SMTPsec-Used kept, as in
    // gateway_test), dots intact through dot-stuffing.
    std::regex ours(
        "\nReceived: from mx\\.ga\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\n\tby mx\\.gb\\.test \\(TLS1\\.3\\) "
        "with SMTPSEC "
        "id IN[0-9]+-1; [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \\+0000\n");
    std::smatch m;
    REQUIRE(std::regex_search(d, m, ours));
    std::string rest = m.suffix();
    CHECK(rest ==
          "Authentication-Results: mx.gb.test;\n\tsmtpsec=pass header.from=ga.test "
          "policy.cert-name=mx.ga.test\n"
          "SMTPsec-Used:\nFrom: Alice <alice@ga.test>\nTo: bob@gb.test\nSubject: re-injected\n\n"
          "Hello Bob.\n.a line that starts with a dot\n..two\n"
          // smtp-sink ends each dump with a blank line
          "\n");
}

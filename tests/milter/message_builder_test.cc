// Reassembly of the message from libmilter's pieces (src/milter/message_builder.h).
#include <catch2/catch.hpp>

#include "milter/message_builder.h"

using namespace smtpsec::milter;

TEST_CASE("header fields and body are reassembled with CRLF") {
    MessageBuilder b("Require-SMTPsec");
    b.add_header("From", "alice@a.test", false);
    b.add_header("Subject", "folded\n\tline", false);
    b.add_header("X-Empty", "", false);
    b.add_header("X-Crlf", "a\r\n b", false);
    b.add_body("body 1\r\n");
    b.add_body("body 2\r\n");
    CHECK(b.message() ==
          "From: alice@a.test\r\nSubject: folded\r\n\tline\r\nX-Empty:\r\nX-Crlf: a\r\n b\r\n\r\nbody "
          "1\r\nbody 2\r\n");
    CHECK(b.size() == b.message().size());
    CHECK(b.deletions().empty());
    CHECK_FALSE(b.require_requested());
}

TEST_CASE("with SMFIP_HDR_LEADSPC the value is kept as is") {
    MessageBuilder b("");
    b.add_header("From", " alice@a.test", true);
    b.add_header("To", "bob@b.test", true);
    CHECK(b.message() == "From: alice@a.test\r\nTo:bob@b.test\r\n\r\n");
}

TEST_CASE("SMTPsec-Used and Require-SMTPsec are removed and listed for deletion, last first") {
    MessageBuilder b("Require-SMTPsec");
    b.add_header("SMTPsec-Used", "", false);
    b.add_header("Subject", "s", false);
    b.add_header("smtpsec-used", "forged", false);
    b.add_header("require-smtpsec", " YES ", false);
    b.add_header("SMTPSEC-USED", "x", false);
    CHECK(b.message() == "Subject: s\r\n\r\n");
    CHECK(b.require_requested());
    auto d = b.deletions();
    REQUIRE(d.size() == 4);
    CHECK(d[0].name == "SMTPSEC-USED");
    CHECK(d[0].index == 3);
    CHECK(d[1].name == "require-smtpsec");
    CHECK(d[1].index == 1);
    CHECK(d[2].name == "smtpsec-used");
    CHECK(d[2].index == 2);
    CHECK(d[3].name == "SMTPsec-Used");
    CHECK(d[3].index == 1);
}

TEST_CASE("Require-SMTPsec with another value is removed but asks nothing; disabled name is kept") {
    MessageBuilder b("Require-SMTPsec");
    b.add_header("Require-SMTPsec", "no", false);
    CHECK_FALSE(b.require_requested());
    CHECK(b.deletions().size() == 1);
    MessageBuilder off("");
    off.add_header("Require-SMTPsec", "yes", false);
    CHECK_FALSE(off.require_requested());
    CHECK(off.message() == "Require-SMTPsec: yes\r\n\r\n");
}

TEST_CASE("addresses, domains and MAIL parameters") {
    CHECK(bare_address("<bob@b.test>") == "bob@b.test");
    CHECK(bare_address(" <> ") == "");
    CHECK(bare_address("bob@b.test") == "bob@b.test");
    CHECK(domain_of("bob@B.Test.") == "b.test");
    CHECK(domain_of("postmaster") == "");
    CHECK(requests_smtpsec({"SIZE=10", "requiresmtpsec"}));
    CHECK_FALSE(requests_smtpsec({"SIZE=10", "REQUIRETLS"}));
    CHECK_FALSE(requests_smtpsec({}));
}

TEST_CASE("the MTA's Received field is recognised by its queue id") {
    MessageBuilder b("");
    b.add_header("Received",
                 "from client.a.test (client.a.test [192.0.2.1])\r\n\tby mx.a.test (8.17.1/8.17.1) "
                 "with ESMTP id 4ABC12;\r\n\tMon, 1 Jan 2024 00:00:00 +0000",
                 false);
    b.add_header("From", "a@a.test", false);
    CHECK(b.has_received_with_id("4ABC12"));
    CHECK_FALSE(b.has_received_with_id("4ABC1"));  // a prefix is not the id
    CHECK_FALSE(b.has_received_with_id("ZZZ"));
    MessageBuilder none("");
    none.add_header("From", "a@a.test", false);
    CHECK_FALSE(none.has_received_with_id("4ABC12"));
}

TEST_CASE("a Received field for the MTA's hop when the MTA did not show its own") {
    const auto t = std::chrono::system_clock::from_time_t(1704067200);  // 2024-01-01 00:00:00 UTC
    CHECK(mta_received({"client.a.test", "localhost", "127.0.0.1", "mx.a.test", "4ABC12", "bob@b.test", t}) ==
          "Received: from client.a.test (localhost [127.0.0.1])\r\n\tby mx.a.test with ESMTP id 4ABC12"
          "\r\n\tfor <bob@b.test>; Mon, 1 Jan 2024 00:00:00 +0000\r\n");
    // Unknown client name, several recipients, a HELO that would break the field.
    CHECK(mta_received({"bad(helo", "[127.0.0.1]", "127.0.0.1", "mx.a.test", "4ABC12", "", t}) ==
          "Received: from unknown ([127.0.0.1])\r\n\tby mx.a.test with ESMTP id 4ABC12; Mon, 1 Jan 2024 "
          "00:00:00 +0000\r\n");
}

// Issue 13 item 8: mail arriving by plain SMTP must not carry a forged
// smtpsec=pass under our name to the mailbox (RFC 8601 section 5).
TEST_CASE(
    "Authentication-Results with our authserv-id are removed and deleted from the MTA's copy; others stay") {
    MessageBuilder b("Require-SMTPsec", "mx.b.test");
    b.add_header("Authentication-Results", "other.example; spf=pass", false);
    b.add_header("Authentication-Results", "mx.b.test; smtpsec=pass header.from=a.test", false);
    b.add_header("authentication-results", "\n\t(comment) MX.B.TEST ; smtpsec=pass", false);
    b.add_header("Authentication-Results", "mx.b.test.evil.example; smtpsec=pass", false);
    b.add_header("Subject", "s", false);
    CHECK(b.message() ==
          "Authentication-Results: other.example; spf=pass\r\n"
          "Authentication-Results: mx.b.test.evil.example; smtpsec=pass\r\nSubject: s\r\n\r\n");
    auto d = b.deletions();
    REQUIRE(d.size() == 2);
    CHECK(d[0].name == "authentication-results");
    CHECK(d[0].index == 3);
    CHECK(d[1].name == "Authentication-Results");
    CHECK(d[1].index == 2);
}

TEST_CASE("without an authserv-id no Authentication-Results is removed") {
    MessageBuilder b("Require-SMTPsec");
    b.add_header("Authentication-Results", "mx.b.test; smtpsec=pass", false);
    CHECK(b.message() == "Authentication-Results: mx.b.test; smtpsec=pass\r\n\r\n");
    CHECK(b.deletions().empty());
}

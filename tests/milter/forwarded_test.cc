// Recognising a forwarded copy (src/milter/forwarded.h, issue 16): the
// original signed bytes must end the message as the milter saw it, byte for
// byte; a footer or a changed field means the signature cannot be kept.
// The marker never stays in the MTA's copy.
#include <catch2/catch.hpp>

#include "milter/forwarded.h"
#include "milter/message_builder.h"

using namespace smtpsec::milter;

namespace {

// The copy as it comes back on the forward service (what Postfix gives the
// milter, values with SMFIP_HDR_LEADSPC): the :10027 hop's Received, the
// marker, our Received and A-R, the origin's trace header, the original.
MessageBuilder forwarded_copy(std::string_view body, std::string_view subject = " hi") {
    MessageBuilder b("Require-SMTPsec", "mx.b.test");
    b.add_header("Received",
                 " from mx.b.test (localhost [127.0.0.1])\n\tby mx.b.test (Postfix) with ESMTP id 4AB", true);
    b.add_header("SMTPsec-Forward", " v1 0123 abcd", true);
    b.add_header("Received", " from mx.a.test by mx.b.test with SMTPSEC id X-1", true);
    b.add_header("Authentication-Results", " mx.b.test; smtpsec=pass header.from=a.test", true);
    b.add_header("Received", " from [127.0.0.1] by mx.a.test", true);
    b.add_header("SMTPsec-Used", "", true);
    b.add_header("From", " alice@a.test", true);
    b.add_header("Subject", subject, true);
    b.add_body(body);
    return b;
}

const std::string original = "SMTPsec-Used:\r\nFrom: alice@a.test\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n";

}  // namespace

TEST_CASE("an unchanged copy keeps its signature; the hops above the marker become trace headers") {
    auto b = forwarded_copy("line 1\r\nline 2\r\n");
    REQUIRE(b.markers() == std::vector<std::size_t>{1});
    auto r = recognise_forward(b.seen_fields(), b.markers()[0], b.body(), original);
    CHECK(r.match == ForwardMatch::kept);
    REQUIRE(r.hops.size() == 1);
    CHECK(r.hops[0].name == "Received");
    CHECK(r.hops[0].value ==
          "from mx.b.test (localhost [127.0.0.1])\r\n\tby mx.b.test (Postfix) with ESMTP id 4AB");
}

TEST_CASE("a footer added at this site: the signature cannot be kept") {
    auto b = forwarded_copy("line 1\r\nline 2\r\n-- \r\nfooter of b.test\r\n");
    CHECK(recognise_forward(b.seen_fields(), b.markers()[0], b.body(), original).match ==
          ForwardMatch::changed);
}

TEST_CASE("a body line rewritten, or a header field changed: the signature cannot be kept") {
    auto body = forwarded_copy("line 1\r\nLINE 2\r\n");
    CHECK(recognise_forward(body.seen_fields(), body.markers()[0], body.body(), original).match ==
          ForwardMatch::changed);
    auto subject = forwarded_copy("line 1\r\nline 2\r\n", " [ext] hi");
    CHECK(recognise_forward(subject.seen_fields(), subject.markers()[0], subject.body(), original).match ==
          ForwardMatch::changed);
    // Without the leading-space option a "Name:value" field cannot be told
    // from "Name: value": rebuilt with the space, it no longer matches.
    std::string tight = "SMTPsec-Used:\r\nFrom:alice@a.test\r\n\r\nx\r\n";
    MessageBuilder b("", "");
    b.add_header("SMTPsec-Forward", "v1 0123 abcd", false);
    b.add_header("SMTPsec-Used", "", false);
    b.add_header("From", "alice@a.test", false);
    b.add_body("x\r\n");
    CHECK(recognise_forward(b.seen_fields(), 0, b.body(), tight).match == ForwardMatch::changed);
}

TEST_CASE("a field inserted between the marker and the original does not hide a change") {
    MessageBuilder b("", "");
    b.add_header("SMTPsec-Forward", " v1 0123 abcd", true);
    b.add_header("SMTPsec-Used", "", true);
    b.add_header("X-Inserted", " yes", true);
    b.add_header("From", " alice@a.test", true);
    b.add_header("Subject", " hi", true);
    b.add_body("line 1\r\nline 2\r\n");
    CHECK(recognise_forward(b.seen_fields(), 0, b.body(), original).match == ForwardMatch::changed);
}

TEST_CASE("a position that is no marker is no forwarded copy") {
    auto b = forwarded_copy("line 1\r\nline 2\r\n");
    CHECK(recognise_forward(b.seen_fields(), 0, b.body(), original).match == ForwardMatch::no_marker);
    CHECK(recognise_forward(b.seen_fields(), 99, b.body(), original).match == ForwardMatch::no_marker);
}

TEST_CASE("every SMTPsec-Forward field is removed from the MTA's copy, whatever the service") {
    MessageBuilder b("", "");
    b.add_header("smtpsec-forward", "v1 forged", false);
    b.add_header("Subject", "s", false);
    b.add_header("SMTPsec-Forward", "v1 another", false);
    CHECK(b.message() == "Subject: s\r\n\r\n");
    auto d = b.deletions_of("SMTPsec-Forward");
    REQUIRE(d.size() == 2);
    CHECK(d[0].index == 2);
    CHECK(d[1].index == 1);
    CHECK(b.markers() == std::vector<std::size_t>{0, 2});
}

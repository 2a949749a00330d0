// extract_trace_headers (docs/decisions.md points 13/14), the whitelist, and
// the safety check applied to unsigned trace headers before they are restored.
#include <catch2/catch.hpp>

#include "imf/trace_headers.h"

using namespace smtpsec;
using namespace smtpsec::imf;

TEST_CASE("the top Received block moves out, newest first, in point 13 form") {
    const std::string m =
        "Received: from mx.a.test by a.test with ESMTP id 1;\r\n"
        "\tTue, 1 Jul 2003 10:52:37 +0000\r\n"
        "received:from submit by mx.a.test\r\n"
        "RECEIVED:  two spaces\r\n"
        "From: alice@a.test\r\n"
        "Received: not part of the top block\r\n"
        "\r\n"
        "body\r\n";
    auto s = extract_trace_headers(m);
    REQUIRE(s);
    REQUIRE(s->trace_headers.size() == 3);
    CHECK(
        s->trace_headers[0] ==
        Header{"Received", "from mx.a.test by a.test with ESMTP id 1;\r\n\tTue, 1 Jul 2003 10:52:37 +0000"});
    CHECK(s->trace_headers[1] == Header{"received", "from submit by mx.a.test"});
    CHECK(s->trace_headers[2] == Header{"RECEIVED", " two spaces"});
    CHECK(s->message ==
          "From: alice@a.test\r\n"
          "Received: not part of the top block\r\n"
          "\r\n"
          "body\r\n");
}

TEST_CASE("no Received block: nothing moves and the message is unchanged") {
    const std::string m = "From: a@x\r\nReceived: later\r\n\r\nb";
    auto s = extract_trace_headers(m);
    REQUIRE(s);
    CHECK(s->trace_headers.empty());
    CHECK(s->message == m);
}

TEST_CASE("empty Received value and a message that is only trace") {
    auto s = extract_trace_headers("Received:\r\nReceived: x\r\n");
    REQUIRE(s);
    REQUIRE(s->trace_headers.size() == 2);
    CHECK(s->trace_headers[0].value.empty());
    CHECK(s->message.empty());
}

TEST_CASE("a malformed message is an error, not a guess") {
    auto s = extract_trace_headers("Received: a\nFrom: b\r\n\r\n");
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().reason, Catch::Contains("bare LF"));
}

TEST_CASE("the default whitelist: Received and X-*, case-insensitive") {
    auto w = TraceWhitelist::defaults();
    CHECK(w.allows("Received"));
    CHECK(w.allows("RECEIVED"));
    CHECK(w.allows("X-Spam-Status"));
    CHECK(w.allows("x-mailer"));
    CHECK_FALSE(w.allows("Received-SPF"));
    CHECK_FALSE(w.allows("Authentication-Results"));
    CHECK_FALSE(w.allows("From"));
    CHECK_FALSE(w.allows("X"));
    TraceWhitelist custom{{"Return-Path"}, {}};
    CHECK(custom.allows("return-path"));
    CHECK_FALSE(custom.allows("Received"));
}

TEST_CASE("is_restorable refuses what could break the header section") {
    CHECK(is_restorable({"Received", "from a by b; Tue, 1 Jul 2003 10:52:37 +0000"}));
    CHECK(is_restorable({"Received", "from a\r\n\tby b"}));
    CHECK(is_restorable({"X-Empty", ""}));
    CHECK(is_restorable({"X-Utf8", "gr\xc3\xbc\xc3\x9f"}));

    CHECK_FALSE(is_restorable({"", "x"}));
    CHECK_FALSE(is_restorable({"X-A:B", "x"}));
    CHECK_FALSE(is_restorable({"X A", "x"}));
    CHECK_FALSE(is_restorable({"X-\xc3\xa4", "x"}));
    CHECK_FALSE(is_restorable({"Received", "x\r\nBcc: evil@y"}));        // a second field
    CHECK_FALSE(is_restorable({"Received", "x\r\n\r\nbody"}));           // ends the header section
    CHECK_FALSE(is_restorable({"Received", "x\r\n \r\nFrom: evil@y"}));  // white-space-only line
    CHECK_FALSE(is_restorable({"Received", "x\r\n "}));                  // ends in folding
    CHECK_FALSE(is_restorable({"Received", "x\r\n"}));                   // final CRLF
    CHECK_FALSE(is_restorable({"Received", "x\nFrom: evil@y"}));         // bare LF
    CHECK_FALSE(is_restorable({"Received", "x\rFrom: evil@y"}));         // bare CR
    CHECK_FALSE(is_restorable({"Received", std::string("x\0y", 3)}));    // NUL
    CHECK_FALSE(is_restorable({"Received", "bad \xff utf-8"}));
}

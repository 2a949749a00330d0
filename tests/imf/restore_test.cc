// restore_for_smtp (docs/decisions.md point 14, issue 4): the exact bytes
// handed to the MTA.
#include <catch2/catch.hpp>

#include "imf/restore.h"

using namespace smtpsec;
using namespace smtpsec::imf;

namespace {

Email email_with(const std::string& message, std::vector<Header> trace) {
    Email e;
    e.message = Bytes::copy_of(message);
    e.trace_headers = std::move(trace);
    e.recipients = {"bob@b.test"};
    return e;
}

const std::string received =
    "Received: from mx.a.test ([192.0.2.1])\r\n\tby mx.b.test with SMTPSEC id 7; Tue, 1 Jul 2003 10:52:37 "
    "+0000\r\n";
const std::string auth =
    "Authentication-Results: mx.b.test;\r\n\tsmtpsec=pass header.from=a.test policy.cert-name=mx.a.test\r\n";

}  // namespace

TEST_CASE("order: own Received, own A-R, whitelisted trace in list order, message") {
    Email e = email_with(
        "SMTPsec-Used:\r\n"
        "From: alice@a.test\r\n"
        "Authentication-Results: mx.b.test; smtpsec=pass header.from=evil.test\r\n"
        "Authentication-Results: MX.B.TEST (forged, other case); dkim=pass\r\n"
        "Authentication-Results: other.test; dkim=pass\r\n"
        "Subject: hi\r\n"
        "\r\n"
        "body\r\n",
        {{"Received", "from submit by mx.a.test; Tue, 1 Jul 2003 10:50:00 +0000"},
         {"X-Mailer", "test"},
         {"Received-SPF", "pass"},
         {"Received", "from client\r\n\tby submit"},
         {"X-Empty", ""}});
    auto r = restore_for_smtp(e, TraceWhitelist::defaults(), received, auth, "mx.b.test");
    REQUIRE(r);
    CHECK(r->head == received + auth +
                         "Received: from submit by mx.a.test; Tue, 1 Jul 2003 10:50:00 +0000\r\n"
                         "X-Mailer: test\r\n"
                         "Received: from client\r\n\tby submit\r\n"
                         "X-Empty:\r\n"
                         "SMTPsec-Used:\r\n"
                         "From: alice@a.test\r\n"
                         "Authentication-Results: other.test; dkim=pass\r\n"
                         "Subject: hi\r\n"
                         "\r\n");
    CHECK(r->body.view() == "body\r\n");
    CHECK(r->body.data() == e.message.data() + e.message.size() - 6);  // a view, not a copy
    CHECK(r->dropped_trace_headers == 1);
    CHECK(r->removed_auth_results == 2);
    CHECK(r->size() == r->head.size() + 6);
}

TEST_CASE("unsafe or forged trace headers are dropped, never restored") {
    Email e = email_with("From: alice@a.test\r\n\r\nb",
                         {{"Received", "x\r\nFrom: mallory@evil.test"},
                          {"X-Inject", "x\r\n\r\nfake body"},
                          {"Authentication-Results", "mx.b.test; smtpsec=pass"},
                          {"X-Ok", "fine"}});
    TraceWhitelist w = TraceWhitelist::defaults();
    w.names.push_back("Authentication-Results");  // even when an operator allows it
    auto r = restore_for_smtp(e, w, "", "", "mx.b.test");
    REQUIRE(r);
    CHECK(r->head == "X-Ok: fine\r\nFrom: alice@a.test\r\n\r\n");
    CHECK(r->dropped_trace_headers == 3);
}

TEST_CASE("a message without body and one whose last field has no CRLF") {
    Email a = email_with("From: alice@a.test\r\n", {});
    auto ra = restore_for_smtp(a, TraceWhitelist::defaults(), received, "", "mx.b.test");
    REQUIRE(ra);
    CHECK(ra->head == received + "From: alice@a.test\r\n");
    CHECK(ra->body.empty());

    Email b = email_with("From: alice@a.test", {});
    auto rb = restore_for_smtp(b, TraceWhitelist::defaults(), "", "", "mx.b.test");
    REQUIRE(rb);
    CHECK(rb->head == "From: alice@a.test\r\n");
}

TEST_CASE("restore refuses fields without CRLF and unparseable messages") {
    Email ok = email_with("From: alice@a.test\r\n\r\n", {});
    CHECK_FALSE(restore_for_smtp(ok, TraceWhitelist::defaults(), "Received: x", "", "mx.b.test"));
    Email bad = email_with("From: alice@a.test\nX: y\r\n\r\n", {});
    CHECK_FALSE(restore_for_smtp(bad, TraceWhitelist::defaults(), "", "", "mx.b.test"));
}

// Found by tests/fuzz/from_restore_fuzzer: with a whitelist that allows every
// name ("*"), a trace header named From was restored above the message, and
// the MTA then saw two From fields, not the one we authenticated.
TEST_CASE("a trace header named From is never restored, whatever the whitelist") {
    Email e = email_with("From: alice@a.test\r\n\r\nb",
                         {{"From", "ceo@c.test"}, {"from", "ceo@c.test"}, {"X-Ok", "fine"}});
    const TraceWhitelist everything{{}, {""}};  // what "*" in trace_header_whitelist gives
    auto r = restore_for_smtp(e, everything, "", "", "mx.b.test");
    REQUIRE(r);
    CHECK(r->head == "X-Ok: fine\r\nFrom: alice@a.test\r\n\r\n");
    CHECK(r->dropped_trace_headers == 2);

    TraceWhitelist named = TraceWhitelist::defaults();
    named.names.push_back("From");
    auto n = restore_for_smtp(e, named, "", "", "mx.b.test");
    REQUIRE(n);
    CHECK(n->head == "X-Ok: fine\r\nFrom: alice@a.test\r\n\r\n");
}

// The SMTP client to the local MTA, byte for byte, without sockets, threads
// or clocks: each test is one whole transcript (tests/mta/transcript.h says
// how to read it) of pipelining, dot-stuffing, per-recipient outcomes, all or
// nothing on temporary failures, RSET, QUIT, SMTPUTF8, timeouts, reconnects.
#include <catch2/catch.hpp>

#include "imf/dot_stuff.h"
#include "transcript.h"

using namespace smtpsec;
using namespace smtpsec::mta;
using smtpsec::mta::testing::Mta;
using Timeout = ClientSession::Timeout;
using State = ClientSession::State;

namespace {

const std::string ehlo_all =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
const std::string ehlo_plain = "250-mx.test\r\n250 8BITMIME\r\n";  // no PIPELINING, no SMTPUTF8

const std::string head = "From: alice@a.test\r\nTo: bob@b.test\r\nSubject: hi\r\n\r\n";
const std::string body = "Hi\r\n.hidden\r\n..two\r\nend";  // no final CRLF

Request request(std::vector<std::string> rcpts, const std::string& h = head, const std::string& b = body) {
    return Request{"alice@a.test", std::move(rcpts), {Bytes::copy_of(h), Bytes::copy_of(b)}};
}

// The start of every transcript below: connect, greeting, EHLO.
const std::string opening = "-- connect\n-- connected\nS: 220 mx.test ESMTP\nC: EHLO gw.b.test\n";
const std::string ehlo_all_lines =
    "S: 250-mx.test\nS: 250-PIPELINING\nS: 250-SIZE 10240000\nS: 250-8BITMIME\nS: 250 SMTPUTF8\n";
const std::string ehlo_plain_lines = "S: 250-mx.test\nS: 250 8BITMIME\n";
const std::string sent_body =  // head and body as written: dot-stuffed, CRLF added, final dot
    "C: From: alice@a.test\nC: To: bob@b.test\nC: Subject: hi\nC: \n"
    "C: Hi\nC: ..hidden\nC: ...two\nC: end\nC: .\n";
const std::string size = std::to_string(head.size() + body.size());

}  // namespace

TEST_CASE(
    "pipelined messages go in one write each, dot-stuffed, on one connection that is closed with QUIT when "
    "idle") {
    Mta mta;
    mta.submit(1, request({"bob@b.test", "carol@b.test"}));
    mta.submit(2, Request{"alice@a.test", {"dave@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    mta.greets(ehlo_all);
    mta.says("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
    mta.says("250 2.0.0 Ok: queued as A1\r\n");
    mta.says("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n");
    mta.says("250 2.0.0 Ok: queued as A2\r\n");
    CHECK(mta.session.transactions_on_connection() == 2);
    CHECK(mta.timer == Timeout::idle);
    mta.times_out();
    mta.says("221 2.0.0 Bye\r\n");
    CHECK(mta.transcript ==
          opening + ehlo_all_lines +
              // MAIL, both RCPTs and DATA before any reply (RFC 2920)
              "C: MAIL FROM:<alice@a.test> SIZE=" + size +
              "\n"
              "C: RCPT TO:<bob@b.test>\n"
              "C: RCPT TO:<carol@b.test>\n"
              "C: DATA\n"
              "S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 250 2.1.5 Ok\nS: 354 End data with <CR><LF>.<CR><LF>\n" +
              sent_body +
              "S: 250 2.0.0 Ok: queued as A1\n"
              "=> #1 delivered at final dot: 250 2.0.0 Ok: queued as A1\n"
              "   <bob@b.test> delivered: 250 2.0.0 Ok: queued as A1\n"
              "   <carol@b.test> delivered: 250 2.0.0 Ok: queued as A1\n"
              // no RSET after a completed transaction
              "C: MAIL FROM:<alice@a.test> SIZE=" +
              std::to_string(head.size() + 3) +
              "\n"
              "C: RCPT TO:<dave@b.test>\n"
              "C: DATA\n"
              "S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 354 go\n"
              "C: From: alice@a.test\nC: To: bob@b.test\nC: Subject: hi\nC: \nC: x\nC: .\n"
              "S: 250 2.0.0 Ok: queued as A2\n"
              "=> #2 delivered at final dot: 250 2.0.0 Ok: queued as A2\n"
              "   <dave@b.test> delivered: 250 2.0.0 Ok: queued as A2\n"
              "-- idle timeout\n"
              "C: QUIT\n"
              "S: 221 2.0.0 Bye\n"
              "-- close\n");
    CHECK(mta.session.state() == State::closed);
    CHECK(mta.results[0].result.recipients[0].code == 250);
}

TEST_CASE("a recipient refused with 550 is reported and the others still get the message") {
    Mta mta;
    mta.submit(1, request({"bob@b.test", "carol@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says(
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <carol@b.test>: Recipient address rejected\r\n354 go\r\n");
    mta.says("250 2.0.0 Ok: queued as B1\r\n");
    CHECK(mta.transcript ==
          "S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 550 5.1.1 <carol@b.test>: Recipient address rejected\nS: 354 "
          "go\n" +
              sent_body +
              "S: 250 2.0.0 Ok: queued as B1\n"
              "=> #1 delivered at final dot: 250 2.0.0 Ok: queued as B1\n"
              "   <bob@b.test> delivered: 250 2.0.0 Ok: queued as B1\n"
              "   <carol@b.test> refused: 550 5.1.1 <carol@b.test>: Recipient address rejected\n");
    CHECK(mta.results[0].result.recipients[1].code == 550);
    CHECK_FALSE(mta.results[0].result.every_recipient_refused());
}

TEST_CASE(
    "a recipient deferred with 4xx means nothing is sent: the pipelined DATA's 354 is answered by closing, "
    "and the next message gets a new connection") {
    Mta mta;
    mta.submit(1, request({"bob@b.test", "carol@b.test"}));
    mta.submit(2, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says("250 Ok\r\n250 Ok\r\n451 4.3.0 <carol@b.test>: try later\r\n354 go\r\n");
    CHECK(mta.take() ==
          "S: 250 Ok\nS: 250 Ok\nS: 451 4.3.0 <carol@b.test>: try later\nS: 354 go\n"
          // no final dot: closing aborts the MTA's transaction
          "-- close\n"
          "-- connect\n"
          "=> #1 deferred at RCPT: RCPT TO:<carol@b.test> deferred: 451 4.3.0 <carol@b.test>: try later; "
          "the message was not sent to anyone\n"
          "   <bob@b.test> deferred, ours: not sent: another recipient was deferred\n"
          "   <carol@b.test> deferred: 451 4.3.0 <carol@b.test>: try later\n");
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 2.0.0 Ok: queued as C2\r\n");
    CHECK(mta.results.size() == 2);
    CHECK(mta.results[1].result.outcome == Outcome::delivered);
    // A new connection starts clean: no RSET.
    CHECK(mta.transcript.find("RSET") == std::string::npos);
}

TEST_CASE("an MTA without PIPELINING gets one command at a time, and DATA only once the message is to go") {
    Mta mta;
    mta.submit(1, request({"bob@b.test", "carol@b.test"}));
    mta.greets(ehlo_plain);
    mta.says("250 Ok\r\n");
    mta.says("250 Ok\r\n");
    mta.says("550 5.1.1 unknown\r\n");
    mta.says("354 go\r\n");
    mta.says("250 2.0.0 Ok: queued as D1\r\n");
    CHECK(mta.transcript == opening + ehlo_plain_lines +
                                "C: MAIL FROM:<alice@a.test>\n"
                                "S: 250 Ok\n"
                                "C: RCPT TO:<bob@b.test>\n"
                                "S: 250 Ok\n"
                                "C: RCPT TO:<carol@b.test>\n"
                                "S: 550 5.1.1 unknown\n"
                                "C: DATA\n"
                                "S: 354 go\n" +
                                sent_body +
                                "S: 250 2.0.0 Ok: queued as D1\n"
                                "=> #1 delivered at final dot: 250 2.0.0 Ok: queued as D1\n"
                                "   <bob@b.test> delivered: 250 2.0.0 Ok: queued as D1\n"
                                "   <carol@b.test> refused: 550 5.1.1 unknown\n");
}

TEST_CASE("without PIPELINING, a 4xx recipient means RSET instead of DATA") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.submit(2, request({"carol@b.test"}));
    mta.greets(ehlo_plain);
    mta.says("250 Ok\r\n");
    mta.says("452 4.2.2 mailbox full\r\n");
    mta.says("250 Ok\r\n");
    mta.says("250 Ok\r\n");
    mta.says("250 Ok\r\n");
    mta.says("354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK(mta.transcript == opening + ehlo_plain_lines +
                                "C: MAIL FROM:<alice@a.test>\n"
                                "S: 250 Ok\n"
                                "C: RCPT TO:<bob@b.test>\n"
                                "S: 452 4.2.2 mailbox full\n"
                                "=> #1 deferred at RCPT: RCPT TO:<bob@b.test> deferred: 452 4.2.2 mailbox "
                                "full; the message was not sent to anyone\n"
                                "   <bob@b.test> deferred: 452 4.2.2 mailbox full\n"
                                "C: RSET\n"
                                "S: 250 Ok\n"
                                "C: MAIL FROM:<alice@a.test>\n"
                                "S: 250 Ok\n"
                                "C: RCPT TO:<carol@b.test>\n"
                                "S: 250 Ok\n"
                                "C: DATA\n"
                                "S: 354 go\n"
                                "C: From: alice@a.test\nC: To: bob@b.test\nC: Subject: hi\nC: \nC: Hi\nC: "
                                "..hidden\nC: ...two\nC: end\nC: .\n"
                                "S: 250 Ok\n"
                                "=> #2 delivered at final dot: 250 Ok\n"
                                "   <carol@b.test> delivered: 250 Ok\n");
    CHECK(mta.results[0].result.recipients[0].code == 452);
}

TEST_CASE("MAIL refused gives every recipient that outcome, and RSET goes before the next message") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.submit(2, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says("550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n");
    mta.says("250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK(mta.transcript ==
          "S: 550 5.7.1 sender refused\nS: 503 5.5.1 need MAIL\nS: 503 5.5.1 need RCPT\n"
          "=> #1 refused at MAIL: MAIL FROM refused: 550 5.7.1 sender refused\n"
          "   <bob@b.test> refused: 550 5.7.1 sender refused\n"
          "C: RSET\n"
          "C: MAIL FROM:<alice@a.test> SIZE=" +
              size +
              "\n"
              "C: RCPT TO:<bob@b.test>\n"
              "C: DATA\n"
              "S: 250 Ok\nS: 250 Ok\nS: 250 Ok\nS: 354 go\n" +
              sent_body +
              "S: 250 Ok\n"
              "=> #2 delivered at final dot: 250 Ok\n"
              "   <bob@b.test> delivered: 250 Ok\n");
    CHECK_FALSE(mta.results[0].result.every_recipient_refused());
}

TEST_CASE("every recipient refused is a refusal at RCPT, which the listener reports as unknown addresses") {
    Mta mta;
    mta.submit(1, request({"bob@b.test", "carol@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says("250 Ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n554 5.5.1 no valid recipients\r\n");
    CHECK(mta.transcript ==
          "S: 250 Ok\nS: 550 5.1.1 no\nS: 550 5.1.1 no\nS: 554 5.5.1 no valid recipients\n"
          "=> #1 refused at RCPT: every recipient was refused\n"
          "   <bob@b.test> refused: 550 5.1.1 no\n"
          "   <carol@b.test> refused: 550 5.1.1 no\n");
    CHECK(mta.results[0].result.every_recipient_refused());
}

TEST_CASE("a 4xx to the final dot defers, a 5xx refuses, and neither needs RSET") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.submit(2, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.take();
    mta.says("451 4.3.0 queue file write error\r\n");
    CHECK(mta.take() ==
          "S: 451 4.3.0 queue file write error\n"
          "=> #1 deferred at final dot: message refused after DATA: 451 4.3.0 queue file write error\n"
          "   <bob@b.test> deferred: 451 4.3.0 queue file write error\n"
          "C: MAIL FROM:<alice@a.test> SIZE=" +
              size +
              "\n"
              "C: RCPT TO:<bob@b.test>\n"
              "C: DATA\n");
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.take();
    mta.says("554 5.7.1 content rejected\r\n");
    CHECK(mta.take() ==
          "S: 554 5.7.1 content rejected\n"
          "=> #2 refused at final dot: message refused after DATA: 554 5.7.1 content rejected\n"
          "   <bob@b.test> refused: 554 5.7.1 content rejected\n");
    CHECK(mta.written.find("RSET") == std::string::npos);
}

TEST_CASE("a 2xx to the final dot other than 250 is not a delivery we can be sure of: deferred") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.take();
    mta.says("251 odd\r\n");
    CHECK(mta.transcript ==
          "S: 251 odd\n"
          "=> #1 deferred at final dot: message refused after DATA: 251 odd\n"
          "   <bob@b.test> deferred: 251 odd\n");
}

TEST_CASE("SMTPUTF8 and BODY=8BITMIME are declared when an address or a header field is not ASCII") {
    const std::string utf8_head = "From: alice@a.test\r\nSubject: gr\xc3\xbc\xc3\x9f\r\n\r\n";
    Mta mta;
    mta.submit(1, Request{"alice@a.test", {"bj\xc3\xb8rn@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    mta.submit(2, Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(utf8_head + "x\r\n")}});
    mta.submit(3, Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head + "gr\xc3\xbc\xc3\x9f\r\n")}});
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK_THAT(mta.written,
               Catch::Contains("MAIL FROM:<alice@a.test> SIZE=" + std::to_string(head.size() + 3) +
                               " BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bj\xc3\xb8rn@b.test>\r\n"));
    CHECK_THAT(mta.written,
               Catch::Contains("MAIL FROM:<alice@a.test> SIZE=" + std::to_string(utf8_head.size() + 3) +
                               " BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bob@b.test>\r\n"));
    // An 8-bit body alone: 8BITMIME, no SMTPUTF8.
    CHECK_THAT(mta.written,
               Catch::EndsWith("MAIL FROM:<alice@a.test> SIZE=" + std::to_string(head.size() + 8) +
                               " BODY=8BITMIME\r\nRCPT TO:<bob@b.test>\r\nDATA\r\n"));
}

TEST_CASE(
    "an MTA without SMTPUTF8 gets no UTF-8 message: it is refused unsent, while an 8-bit body still goes") {
    Mta mta;
    mta.submit(1, Request{"alice@a.test", {"bj\xc3\xb8rn@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    mta.submit(2, Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head + "gr\xc3\xbc\xc3\x9f\r\n")}});
    mta.greets("250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK(mta.transcript ==
          opening +
              "S: 250-mx.test\nS: 250-PIPELINING\nS: 250 8BITMIME\n"
              "=> #1 refused at request: the message needs SMTPUTF8 (a non-ASCII address or header field) "
              "and the MTA "
              "does not offer it\n"
              "   <bj\xc3\xb8rn@b.test> refused, ours: the message needs SMTPUTF8 (a non-ASCII address or "
              "header field) "
              "and the MTA does not offer it\n"
              "C: MAIL FROM:<alice@a.test> BODY=8BITMIME\n"
              "C: RCPT TO:<bob@b.test>\n"
              "C: DATA\n"
              "S: 250 Ok\nS: 250 Ok\nS: 354 go\n"
              "C: From: alice@a.test\nC: To: bob@b.test\nC: Subject: hi\nC: \nC: gr\xc3\xbc\xc3\x9f\nC: .\n"
              "S: 250 Ok\n"
              "=> #2 delivered at final dot: 250 Ok\n"
              "   <bob@b.test> delivered: 250 Ok\n");
}

TEST_CASE("requests SMTP cannot carry finish at once, unsent; a quoted local part is carried as written") {
    Mta mta;
    mta.submit(1, Request{"alice@a.test", {}, {Bytes::copy_of(head)}});
    mta.submit(2, Request{"bad>@a.test", {"bob@b.test"}, {Bytes::copy_of(head)}});
    CHECK(mta.take() ==
          "=> #1 refused at request: no recipients\n"
          "=> #2 refused at request: sender address unusable in SMTP: 'bad>@a.test'\n"
          "   <bob@b.test> refused, ours: sender address unusable in SMTP: 'bad>@a.test'\n");
    CHECK_FALSE(mta.open);  // nothing to do: no connection
    mta.submit(3, Request{"alice@a.test", {"bob\r\n@b.test", "\"john doe\"@b.test"}, {Bytes::copy_of(head)}});
    mta.submit(4, Request{"alice@a.test", {"<x>@b.test"}, {Bytes::copy_of(head)}});
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK(mta.transcript == opening + ehlo_all_lines +
                                "C: MAIL FROM:<alice@a.test> SIZE=" + std::to_string(head.size()) +
                                "\n"
                                "C: RCPT TO:<\"john doe\"@b.test>\n"
                                "C: DATA\n"
                                "S: 250 Ok\nS: 250 Ok\nS: 354 go\n"
                                "C: From: alice@a.test\nC: To: bob@b.test\nC: Subject: hi\nC: \nC: .\n"
                                "S: 250 Ok\n"
                                "=> #3 delivered at final dot: 250 Ok\n"
                                "   <bob\r\n@b.test> refused, ours: address unusable in SMTP\n"
                                "   <\"john doe\"@b.test> delivered: 250 Ok\n"
                                "=> #4 refused at request: no recipient address usable in SMTP\n"
                                "   <<x>@b.test> refused, ours: address unusable in SMTP\n");
}

TEST_CASE("an MTA that refuses the connection defers every queued message at once, with the reason") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.submit(2, request({"carol@b.test"}));
    mta.connect_fails("connect to 127.0.0.1:10026: Connection refused");
    CHECK(mta.transcript ==
          "-- connect\n"
          "-- connect fails: connect to 127.0.0.1:10026: Connection refused\n"
          "-- close\n"
          "=> #1 deferred at connection: connect to 127.0.0.1:10026: Connection refused\n"
          "   <bob@b.test> deferred, ours: connect to 127.0.0.1:10026: Connection refused\n"
          "=> #2 deferred at connection: connect to 127.0.0.1:10026: Connection refused\n"
          "   <carol@b.test> deferred, ours: connect to 127.0.0.1:10026: Connection refused\n");
    CHECK(mta.session.pending() == 0);
    CHECK(mta.session.state() == State::closed);
    CHECK(mta.timer == Timeout::none);
}

TEST_CASE("timeouts: connecting, the greeting, and the final dot each defer with their own reason") {
    SECTION("connect") {
        Mta mta;
        mta.submit(1, request({"bob@b.test"}));
        CHECK(mta.timer == Timeout::connect);
        mta.times_out();
        CHECK(mta.transcript ==
              "-- connect\n-- connect timeout\n-- close\n"
              "=> #1 deferred at connection: timeout connecting to 127.0.0.1:10026\n"
              "   <bob@b.test> deferred, ours: timeout connecting to 127.0.0.1:10026\n");
    }
    SECTION("greeting") {
        Mta mta;
        mta.submit(1, request({"bob@b.test"}));
        mta.connected();
        CHECK(mta.timer == Timeout::reply);
        mta.times_out();
        CHECK(mta.transcript ==
              "-- connect\n-- connected\n-- reply timeout\n-- close\n"
              "=> #1 deferred at connection: timeout waiting for the reply to the greeting\n"
              "   <bob@b.test> deferred, ours: timeout waiting for the reply to the greeting\n");
    }
    SECTION("final dot") {
        Mta mta;
        mta.submit(1, request({"bob@b.test"}));
        mta.greets(ehlo_all);
        mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
        CHECK(mta.timer == Timeout::final_reply);
        mta.take();
        mta.times_out();
        CHECK(mta.transcript ==
              "-- final_reply timeout\n-- close\n"
              "=> #1 deferred at connection: timeout waiting for the reply to the final dot\n"
              "   <bob@b.test> deferred, ours: timeout waiting for the reply to the final dot\n");
    }
}

TEST_CASE("a message the MTA does not read in time is deferred; each write restarts the data timeout") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.socket_full = true;
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    CHECK(mta.timer == Timeout::data_write);
    mta.session.wrote(10);  // some progress
    mta.step();
    CHECK(mta.timer == Timeout::data_write);
    mta.take();
    mta.times_out();
    CHECK(mta.transcript ==
          "-- data_write timeout\n-- close\n"
          "=> #1 deferred at connection: timeout sending the message\n"
          "   <bob@b.test> deferred, ours: timeout sending the message\n");
}

TEST_CASE("a greeting refused or malformed defers every queued message") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.submit(2, request({"carol@b.test"}));
    mta.connected();
    mta.says("554 5.3.2 not now\r\n");
    mta.submit(3, request({"dave@b.test"}));
    mta.connected();
    mta.says("hello there\r\n");
    CHECK(mta.transcript ==
          "-- connect\n-- connected\n"
          "S: 554 5.3.2 not now\n"
          "-- close\n"
          "=> #1 deferred at connection: greeting from the MTA: 554 5.3.2 not now\n"
          "   <bob@b.test> deferred, ours: greeting from the MTA: 554 5.3.2 not now\n"
          "=> #2 deferred at connection: greeting from the MTA: 554 5.3.2 not now\n"
          "   <carol@b.test> deferred, ours: greeting from the MTA: 554 5.3.2 not now\n"
          "-- connect\n-- connected\n"
          "S: hello there\n"
          "-- close\n"
          "=> #3 deferred at connection: malformed reply from the MTA: malformed reply line 'hello there'\n"
          "   <dave@b.test> deferred, ours: malformed reply from the MTA: malformed reply line 'hello "
          "there'\n");
}

TEST_CASE("a kept-alive connection found dead before the first reply is replaced once, transparently") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok: first\r\n");
    mta.submit(2, request({"carol@b.test"}));
    mta.take();
    mta.hangs_up();                                                      // it had timed us out
    CHECK(mta.take() == "-- the MTA hangs up\n-- close\n-- connect\n");  // no result: tried again
    mta.greets(ehlo_all);
    mta.take();
    mta.hangs_up();  // a fresh connection that dies is not replaced
    CHECK(mta.take() ==
          "-- the MTA hangs up\n-- close\n"
          "=> #2 deferred at connection: the MTA closed the connection\n"
          "   <carol@b.test> deferred, ours: no reply from the MTA\n");
}

TEST_CASE(
    "an idle connection the MTA ends, with 421 or by closing, loses nothing; the next message opens a new "
    "one") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    mta.take();
    mta.says("421 4.4.2 mx.test Error: timeout exceeded\r\n");
    CHECK(mta.take() == "S: 421 4.4.2 mx.test Error: timeout exceeded\n-- close\n");
    mta.submit(2, request({"carol@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    mta.hangs_up();
    CHECK_THAT(mta.take(),
               Catch::EndsWith("   <carol@b.test> delivered: 250 Ok\n-- the MTA hangs up\n-- close\n"));
    CHECK(mta.results.size() == 2);
}

TEST_CASE(
    "421 during a transaction defers the message; a reply and a close read together are taken in order") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.take();
    mta.says_and_hangs_up("421 4.3.2 shutting down\r\n");
    CHECK(mta.transcript ==
          "S: 421 4.3.2 shutting down\n"
          "-- the MTA hangs up\n"
          "-- close\n"
          "=> #1 deferred at connection: the MTA is closing the connection: 421 4.3.2 shutting down\n"
          "   <bob@b.test> deferred, ours: no reply from the MTA\n");
}

TEST_CASE("the reply to QUIT and the close read together end the connection once") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    mta.times_out();
    mta.submit(2, request({"carol@b.test"}));  // queued while QUIT is under way
    mta.take();
    mta.says_and_hangs_up("221 Bye\r\n");
    // The close was about the old connection: the new one is not failed by it.
    CHECK(mta.take() == "S: 221 Bye\n-- the MTA hangs up\n-- close\n-- connect\n");
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.says("250 Ok\r\n");
    CHECK(mta.results.size() == 2);
    CHECK(mta.results[1].result.outcome == Outcome::delivered);
}

TEST_CASE("a reply to no command during a message, or 354 to RCPT, ends the connection") {
    Mta mta;
    mta.submit(1, request({"bob@b.test"}));
    mta.greets(ehlo_all);
    mta.socket_full = true;
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    mta.take();
    mta.says("250 early\r\n");  // while the message is being written
    CHECK(mta.transcript ==
          "S: 250 early\n-- close\n"
          "=> #1 deferred at connection: unexpected reply from the MTA: 250 early\n"
          "   <bob@b.test> deferred, ours: unexpected reply from the MTA: 250 early\n");
    Mta other;
    other.submit(1, request({"bob@b.test"}));
    other.greets(ehlo_plain);
    other.says("250 Ok\r\n");
    other.take();
    other.says("354 go\r\n");
    CHECK(other.transcript ==
          "S: 354 go\n-- close\n"
          "=> #1 deferred at connection: unexpected reply to RCPT: 354 go\n"
          "   <bob@b.test> deferred, ours: no reply from the MTA\n");
}

TEST_CASE("a multi-megabyte message is written in chunks of bounded size, byte-exact once joined") {
    std::string big;
    for (int i = 0; big.size() < 3 * 1024 * 1024; ++i)
        big += (i % 7 == 0 ? ".line " : "line ") + std::to_string(i) + (i % 5 == 0 ? "\n" : "\r\n");
    Mta mta;
    mta.submit(1, Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head), Bytes::copy_of(big)}});
    mta.greets(ehlo_all);
    mta.says("250 Ok\r\n250 Ok\r\n354 go\r\n");
    const std::string data = mta.written.substr(mta.written.find("DATA\r\n") + 6);
    CHECK(data == imf::dot_stuff(head + big));
    CHECK(mta.largest_write <= 320 * 1024);  // a 256 KiB chunk, plus what stuffing added
    mta.says("250 Ok\r\n");
    CHECK(mta.results.at(0).result.outcome == Outcome::delivered);
}

// The re-injection client against scripted SMTP servers on loopback: exact
// bytes (pipelined, dot-stuffed), per-recipient outcomes, all-or-nothing on
// temporary failures, connection reuse/RSET/QUIT, SMTPUTF8, timeouts and
// failures of the MTA.
#include <catch2/catch.hpp>

#include <memory>

#include "event/timer.h"
#include "fake_smtp_server.h"
#include "imf/dot_stuff.h"
#include "inbound/smtp_injector.h"
#include "inbound/smtp_local_delivery.h"

using namespace smtpsec;
using namespace smtpsec::inbound;
using smtpsec::testing::FakeConnection;
using smtpsec::testing::FakeSmtpServer;
using namespace std::chrono_literals;

namespace {

const std::string ehlo_all = "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";

const std::string head = "From: alice@a.test\r\nTo: bob@b.test\r\nSubject: hi\r\n\r\n";
const std::string body = "Hi\r\n.hidden\r\n..two\r\nend";  // no final CRLF
const std::string stuffed = head + "Hi\r\n..hidden\r\n...two\r\nend\r\n.\r\n";

InjectRequest request(std::vector<std::string> rcpts, const std::string& h = head, const std::string& b = body) {
    return InjectRequest{"alice@a.test", std::move(rcpts), {Bytes::copy_of(h), Bytes::copy_of(b)}};
}

std::string size_of(const std::string& h = head, const std::string& b = body) {
    return std::to_string(h.size() + b.size());
}

void greet(FakeConnection& c, const std::string& ehlo = ehlo_all) {
    c.send("220 mx.test ESMTP\r\n");
    c.expect("EHLO gw.b.test\r\n");
    c.send(ehlo);
}

// Reads n command lines before answering anything: only a pipelining client
// gets past this (a waiting one makes read_line time out).
std::string read_lines(FakeConnection& c, int n) {
    std::string all;
    for (int i = 0; i < n; ++i) {
        std::string line = c.read_line();
        if (line.empty()) c.problem("command " + std::to_string(i + 1) + " of a pipelined group missing");
        all += line;
    }
    return all;
}

struct Harness {
    event::Loop loop;
    std::unique_ptr<SmtpInjector> injector;
    std::vector<InjectResult> results;

    explicit Harness(std::uint16_t port, const char* ip = "127.0.0.1", double idle = 30, double reply = 5,
                     double final_reply = 5) {
        InjectorConfig config{ip, port, "gw.b.test", {}};
        config.timeouts.connect = std::chrono::duration<double>(2);
        config.timeouts.reply = std::chrono::duration<double>(reply);
        config.timeouts.final_reply = std::chrono::duration<double>(final_reply);
        config.timeouts.idle = std::chrono::duration<double>(idle);
        injector = std::make_unique<SmtpInjector>(loop, config);
    }

    void send(InjectRequest r) {
        injector->send(std::move(r), [this](InjectResult x) { results.push_back(std::move(x)); });
    }

    bool run_until(const std::function<bool()>& done, double limit = 10) {
        event::Timer guard(loop, [] {});
        guard.start(std::chrono::duration<double>(limit));
        while (!done() && guard.active()) loop.run_once();
        return done();
    }
    bool run_until_results(std::size_t n) {
        return run_until([&] { return results.size() >= n; });
    }
};

void check_server(FakeSmtpServer& server) {
    server.join();
    for (const auto& p : server.problems()) FAIL_CHECK("server: " << p);
}

}  // namespace

TEST_CASE("pipelined delivery, dot-stuffed, connection reused, QUIT when idle") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 4);  // MAIL RCPT RCPT DATA, nothing answered yet
        c.send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
        c.read_data();
        c.send("250 2.0.0 Ok: queued as A1\r\n");
        read_lines(c, 3);  // no RSET after a completed transaction
        c.send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("250 2.0.0 Ok: queued as A2\r\n");
        c.expect("QUIT\r\n");
        c.send("221 2.0.0 Bye\r\n");
        if (!c.wait_closed()) c.problem("client did not close after 221");
    }});
    Harness h(server.port(), "127.0.0.1", /*idle=*/0.3);
    h.send(request({"bob@b.test", "carol@b.test"}));
    h.send(InjectRequest{"alice@a.test", {"dave@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    REQUIRE(h.run_until_results(2));
    CHECK(h.injector->transactions_on_connection() == 2);
    REQUIRE(h.run_until([&] { return !h.injector->connected(); }));
    check_server(server);

    CHECK(server.accepted() == 1);
    CHECK(server.transcript() ==
          "EHLO gw.b.test\r\n"
          "MAIL FROM:<alice@a.test> SIZE=" + size_of() + "\r\n"
          "RCPT TO:<bob@b.test>\r\n"
          "RCPT TO:<carol@b.test>\r\n"
          "DATA\r\n" + stuffed +
          "MAIL FROM:<alice@a.test> SIZE=" + std::to_string(head.size() + 3) + "\r\n"
          "RCPT TO:<dave@b.test>\r\n"
          "DATA\r\n" + head + "x\r\n.\r\n"
          "QUIT\r\n");
    const auto& r = h.results[0];
    CHECK(r.delivered);
    CHECK_FALSE(r.temporary_failure);
    CHECK(r.reason == "250 2.0.0 Ok: queued as A1");
    REQUIRE(r.recipients.size() == 2);
    CHECK(r.recipients[0].address == "bob@b.test");
    CHECK(r.recipients[0].status == RecipientStatus::accepted);
    CHECK(r.recipients[0].code == 250);
    CHECK(r.recipients[1].status == RecipientStatus::accepted);
    CHECK(h.results[1].delivered);
    CHECK(h.results[1].reason == "250 2.0.0 Ok: queued as A2");
}

TEST_CASE("unknown recipient: 550 reported, the others still get the message") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 4);
        c.send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <carol@b.test>: Recipient address rejected\r\n354 go\r\n");
        c.read_data();
        c.send("250 2.0.0 Ok: queued as B1\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test", "carol@b.test"}));
    REQUIRE(h.run_until_results(1));
    h.injector.reset();
    check_server(server);

    const auto& r = h.results[0];
    CHECK(r.delivered);
    CHECK_FALSE(r.all_recipients_refused);
    CHECK(r.recipients[0].status == RecipientStatus::accepted);
    CHECK(r.recipients[1].status == RecipientStatus::permanent_failure);
    CHECK(r.recipients[1].code == 550);
    CHECK(r.recipients[1].text == "550 5.1.1 <carol@b.test>: Recipient address rejected");
    auto local = to_local_delivery_result(r);
    CHECK(local.kind == LocalDeliveryResult::Kind::delivered);
    CHECK(local.refused == std::vector<std::string>{"carol@b.test"});
}

TEST_CASE("a 4xx recipient: nothing is sent, the pipelined DATA is aborted by closing") {
    FakeSmtpServer server({[](FakeConnection& c) {
                               greet(c);
                               read_lines(c, 4);
                               c.send("250 Ok\r\n250 Ok\r\n451 4.3.0 <carol@b.test>: try later\r\n354 go\r\n");
                               if (!c.wait_closed()) c.problem("client kept the connection after 354");
                           },
                           [](FakeConnection& c) {
                               greet(c);
                               read_lines(c, 3);
                               c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
                               c.read_data();
                               c.send("250 2.0.0 Ok: queued as C2\r\n");
                               c.wait_closed();
                           }});
    Harness h(server.port());
    h.send(request({"bob@b.test", "carol@b.test"}));
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);

    // Nothing followed the DATA command on the first connection.
    std::string first = server.transcript().substr(0, server.transcript().find("|\n"));
    CHECK(first.size() >= 6);
    CHECK(first.substr(first.size() - 6) == "DATA\r\n");
    const auto& r = h.results[0];
    CHECK_FALSE(r.delivered);
    CHECK(r.temporary_failure);
    CHECK_THAT(r.reason, Catch::Contains("RCPT TO:<carol@b.test> deferred: 451 4.3.0"));
    CHECK(r.recipients[0].status == RecipientStatus::temporary_failure);
    CHECK(r.recipients[1].status == RecipientStatus::temporary_failure);
    CHECK(r.recipients[1].code == 451);
    CHECK(to_local_delivery_result(r).kind == LocalDeliveryResult::Kind::temporary);
    CHECK(h.results[1].delivered);
    CHECK(server.accepted() == 2);
}

TEST_CASE("a server without PIPELINING gets one command at a time") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c, "250-mx.test\r\n250 8BITMIME\r\n");
        auto step = [&](const char* expected, const char* reply) {
            c.expect(expected);
            if (!c.quiet_for(200ms)) c.problem(std::string("client sent more before the reply to ") + expected);
            c.send(reply);
        };
        step("MAIL FROM:<alice@a.test>\r\n", "250 Ok\r\n");
        step("RCPT TO:<bob@b.test>\r\n", "250 Ok\r\n");
        step("RCPT TO:<carol@b.test>\r\n", "550 5.1.1 unknown\r\n");
        step("DATA\r\n", "354 go\r\n");
        std::string data = c.read_data();
        if (data != stuffed) c.problem("data differs: " + data);
        c.send("250 2.0.0 Ok: queued as D1\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test", "carol@b.test"}));
    REQUIRE(h.run_until_results(1));
    h.injector.reset();
    check_server(server);
    CHECK(h.results[0].delivered);
    CHECK(h.results[0].recipients[1].status == RecipientStatus::permanent_failure);
}

TEST_CASE("without PIPELINING, a 4xx recipient means RSET instead of DATA") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c, "250-mx.test\r\n250 8BITMIME\r\n");
        c.expect("MAIL FROM:<alice@a.test>\r\n");
        c.send("250 Ok\r\n");
        c.expect("RCPT TO:<bob@b.test>\r\n");
        c.send("452 4.2.2 mailbox full\r\n");
        c.expect("RSET\r\n");
        c.send("250 Ok\r\n");
        c.expect("MAIL FROM:<alice@a.test>\r\n");
        c.send("250 Ok\r\n");
        c.expect("RCPT TO:<carol@b.test>\r\n");
        c.send("250 Ok\r\n");
        c.expect("DATA\r\n");
        c.send("354 go\r\n");
        c.read_data();
        c.send("250 Ok\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test"}));
    h.send(request({"carol@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);
    CHECK(h.results[0].temporary_failure);
    CHECK(h.results[0].recipients[0].code == 452);
    CHECK(h.results[1].delivered);
}

TEST_CASE("MAIL refused: every recipient gets its outcome, RSET before the next message") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 3);
        c.send("550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n");
        std::string next = read_lines(c, 4);
        if (next.rfind("RSET\r\nMAIL FROM:", 0) != 0) c.problem("no RSET first: " + next);
        c.send("250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("250 Ok\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test"}));
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);
    const auto& r = h.results[0];
    CHECK_FALSE(r.delivered);
    CHECK_FALSE(r.temporary_failure);
    CHECK(r.recipients[0].status == RecipientStatus::permanent_failure);
    CHECK(r.recipients[0].code == 550);
    CHECK(r.reason == "MAIL FROM refused: 550 5.7.1 sender refused");
    CHECK(to_local_delivery_result(r).kind == LocalDeliveryResult::Kind::refused);
    CHECK(h.results[1].delivered);
}

TEST_CASE("every recipient refused: permanent, listed for unknown_address") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 4);
        c.send("250 Ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n554 5.5.1 no valid recipients\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test", "carol@b.test"}));
    REQUIRE(h.run_until_results(1));
    h.injector.reset();
    check_server(server);
    const auto& r = h.results[0];
    CHECK_FALSE(r.delivered);
    CHECK_FALSE(r.temporary_failure);
    CHECK(r.all_recipients_refused);
    auto local = to_local_delivery_result(r);
    CHECK(local.kind == LocalDeliveryResult::Kind::delivered);
    CHECK(local.refused == std::vector<std::string>{"bob@b.test", "carol@b.test"});
}

TEST_CASE("final reply 4xx is temporary, 5xx permanent; no RSET needed after either") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("451 4.3.0 queue file write error\r\n");
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("554 5.7.1 content rejected\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(request({"bob@b.test"}));
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);
    CHECK_FALSE(h.results[0].delivered);
    CHECK(h.results[0].temporary_failure);
    CHECK(h.results[0].recipients[0].status == RecipientStatus::temporary_failure);
    CHECK(h.results[0].recipients[0].code == 451);
    CHECK_FALSE(h.results[1].delivered);
    CHECK_FALSE(h.results[1].temporary_failure);
    CHECK(h.results[1].recipients[0].status == RecipientStatus::permanent_failure);
    CHECK(h.results[1].reason == "message refused after DATA: 554 5.7.1 content rejected");
    CHECK(server.transcript().find("RSET") == std::string::npos);
}

TEST_CASE("SMTPUTF8 and BODY=8BITMIME when the content needs them") {
    const std::string utf8_head = "From: alice@a.test\r\nSubject: gr\xc3\xbc\xc3\x9f\r\n\r\n";
    FakeSmtpServer server({[&](FakeConnection& c) {
        greet(c);
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("250 Ok\r\n");
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("250 Ok\r\n");
        c.wait_closed();
    }});
    Harness h(server.port());
    h.send(InjectRequest{"alice@a.test", {"bj\xc3\xb8rn@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    h.send(InjectRequest{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(utf8_head + "x\r\n")}});
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);
    CHECK(h.results[0].delivered);
    CHECK(h.results[1].delivered);
    CHECK_THAT(server.transcript(),
               Catch::Contains("MAIL FROM:<alice@a.test> SIZE=" + std::to_string(head.size() + 3) +
                               " BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bj\xc3\xb8rn@b.test>\r\n"));
    CHECK_THAT(server.transcript(), Catch::Contains("MAIL FROM:<alice@a.test> SIZE=" +
                                                    std::to_string(utf8_head.size() + 3) +
                                                    " BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bob@b.test>\r\n"));
}

TEST_CASE("no SMTPUTF8 at the MTA: a UTF-8 message fails permanently unsent; 8-bit bodies still go") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c, "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        c.send("250 Ok\r\n");
        c.expect("QUIT\r\n");
        c.send("221 Bye\r\n");
        c.wait_closed();
    }});
    Harness h(server.port(), "127.0.0.1", /*idle=*/0.3);
    h.send(InjectRequest{"alice@a.test", {"bj\xc3\xb8rn@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    h.send(InjectRequest{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head + "gr\xc3\xbc\xc3\x9f\r\n")}});
    REQUIRE(h.run_until_results(2));
    REQUIRE(h.run_until([&] { return !h.injector->connected(); }));
    check_server(server);
    const auto& r = h.results[0];
    CHECK_FALSE(r.delivered);
    CHECK_FALSE(r.temporary_failure);
    CHECK_THAT(r.reason, Catch::Contains("SMTPUTF8"));
    CHECK(r.recipients[0].status == RecipientStatus::permanent_failure);
    CHECK(h.results[1].delivered);
    CHECK(server.transcript() ==
          "EHLO gw.b.test\r\n"
          "MAIL FROM:<alice@a.test> BODY=8BITMIME\r\n"
          "RCPT TO:<bob@b.test>\r\n"
          "DATA\r\n" + head + "gr\xc3\xbc\xc3\x9f\r\n.\r\n"
          "QUIT\r\n");
}

TEST_CASE("MTA down: connection refused fails every queued message temporarily") {
    Harness h(smtpsec::testing::closed_port());
    h.send(request({"bob@b.test"}));
    h.send(request({"carol@b.test"}));
    REQUIRE(h.run_until_results(2));
    for (const auto& r : h.results) {
        CHECK_FALSE(r.delivered);
        CHECK(r.temporary_failure);
        CHECK_THAT(r.reason, Catch::Contains("Connection refused"));
        CHECK(r.recipients[0].status == RecipientStatus::temporary_failure);
    }
    CHECK_FALSE(h.injector->connected());
    CHECK(h.injector->pending() == 0);
}

TEST_CASE("an MTA that never greets: reply timeout, temporary failure") {
    FakeSmtpServer server({[](FakeConnection& c) {
        if (!c.wait_closed()) c.problem("client did not give up");
    }});
    Harness h(server.port(), "127.0.0.1", 30, /*reply=*/0.3);
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(1));
    check_server(server);
    CHECK(h.results[0].temporary_failure);
    CHECK(h.results[0].reason == "timeout waiting for the reply to the greeting");
    CHECK(server.transcript().empty());
}

TEST_CASE("an MTA that never answers the final dot: final-reply timeout, temporary") {
    FakeSmtpServer server({[](FakeConnection& c) {
        greet(c);
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        c.read_data();
        if (!c.wait_closed()) c.problem("client did not give up");
    }});
    Harness h(server.port(), "127.0.0.1", 30, 5, /*final_reply=*/0.3);
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(1));
    check_server(server);
    CHECK(h.results[0].temporary_failure);
    CHECK(h.results[0].reason == "timeout waiting for the reply to the final dot");
    CHECK(h.results[0].recipients[0].status == RecipientStatus::temporary_failure);
}

TEST_CASE("greeting refused or malformed: temporary failure for all queued") {
    FakeSmtpServer server({[](FakeConnection& c) {
                               c.send("554 5.3.2 not now\r\n");
                               c.wait_closed();
                           },
                           [](FakeConnection& c) {
                               c.send("hello there\r\n");
                               c.wait_closed();
                           }});
    Harness h(server.port());
    h.send(request({"bob@b.test"}));
    h.send(request({"carol@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.send(request({"dave@b.test"}));
    REQUIRE(h.run_until_results(3));
    check_server(server);
    CHECK(h.results[0].reason == "greeting from the MTA: 554 5.3.2 not now");
    CHECK(h.results[1].reason == "greeting from the MTA: 554 5.3.2 not now");
    CHECK(h.results[1].temporary_failure);
    CHECK_THAT(h.results[2].reason, Catch::StartsWith("malformed reply from the MTA"));
    CHECK(h.results[2].temporary_failure);
}

TEST_CASE("a kept-alive connection that died is replaced once, transparently") {
    FakeSmtpServer server({[](FakeConnection& c) {
                               greet(c);
                               read_lines(c, 3);
                               c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
                               c.read_data();
                               c.send("250 Ok: first\r\n");
                               read_lines(c, 3);  // then vanish without a word
                           },
                           [](FakeConnection& c) {
                               greet(c);
                               read_lines(c, 3);
                               c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
                               c.read_data();
                               c.send("250 Ok: second\r\n");
                               c.wait_closed();
                           }});
    Harness h(server.port());
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(1));
    h.send(request({"carol@b.test"}));
    REQUIRE(h.run_until_results(2));
    h.injector.reset();
    check_server(server);
    CHECK(h.results[0].reason == "250 Ok: first");
    CHECK(h.results[1].delivered);
    CHECK(h.results[1].reason == "250 Ok: second");
    CHECK(server.accepted() == 2);
}

TEST_CASE("IPv6 loopback") {
    FakeSmtpServer server({[](FakeConnection& c) {
                               greet(c);
                               read_lines(c, 3);
                               c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
                               c.read_data();
                               c.send("250 Ok\r\n");
                               c.wait_closed();
                           }},
                          "::1");
    Harness h(server.port(), "::1");
    h.send(request({"bob@b.test"}));
    REQUIRE(h.run_until_results(1));
    h.injector.reset();
    check_server(server);
    CHECK(h.results[0].delivered);
}

TEST_CASE("a multi-megabyte message streams through in chunks, byte-exact") {
    std::string big;
    for (int i = 0; big.size() < 3 * 1024 * 1024; ++i)
        big += (i % 7 == 0 ? ".line " : "line ") + std::to_string(i) + (i % 5 == 0 ? "\n" : "\r\n");
    std::string received;
    FakeSmtpServer server({[&](FakeConnection& c) {
        greet(c);
        read_lines(c, 3);
        c.send("250 Ok\r\n250 Ok\r\n354 go\r\n");
        received = c.read_data(std::chrono::milliseconds(10000));
        c.send("250 Ok\r\n");
        c.wait_closed();
    }});
    // The client finishes writing into socket buffers long before the
    // server has read it all (slowly, under sanitizers): a generous wait.
    Harness h(server.port(), "127.0.0.1", 30, 5, /*final_reply=*/60);
    h.send(InjectRequest{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head), Bytes::copy_of(big)}});
    REQUIRE(h.run_until_results(1));
    h.injector.reset();
    check_server(server);
    INFO(h.results[0].reason);
    CHECK(h.results[0].delivered);
    CHECK(received.size() > big.size());
    CHECK(received == imf::dot_stuff(head + big));
}

TEST_CASE("callbacks run from the loop, never inside send(), and may destroy the injector") {
    Harness h(smtpsec::testing::closed_port());
    h.send(InjectRequest{"alice@a.test", {}, {Bytes::copy_of(head)}});
    h.send(InjectRequest{"bad>@a.test", {"bob@b.test"}, {Bytes::copy_of(head)}});
    CHECK(h.results.empty());
    REQUIRE(h.run_until_results(2));
    CHECK(h.results[0].reason == "no recipients");
    CHECK_FALSE(h.results[0].temporary_failure);
    CHECK_THAT(h.results[1].reason, Catch::StartsWith("sender address unusable"));

    int calls = 0;
    h.injector->send(request({"bob@b.test"}), [&](InjectResult) {
        ++calls;
        h.injector.reset();  // destroyed from its own callback
    });
    h.injector->send(request({"carol@b.test"}), [&](InjectResult) { ++calls; });
    REQUIRE(h.run_until([&] { return calls > 0; }));
    h.loop.run_nowait();
    CHECK(calls == 1);
    CHECK_FALSE(h.injector);
}

TEST_CASE("configuration errors are start-up exceptions") {
    event::Loop loop;
    CHECK_THROWS_AS(SmtpInjector(loop, InjectorConfig{"localhost", 25, "gw.b.test", {}}), std::invalid_argument);
    CHECK_THROWS_AS(SmtpInjector(loop, InjectorConfig{"127.0.0.1", 25, "gw b", {}}), std::invalid_argument);
    CHECK_NOTHROW(SmtpInjector(loop, InjectorConfig{"::1", 25, "gw.b.test", {}}));
}

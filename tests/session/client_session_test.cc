// The client's session rules, and a whole exchange between a client and a
// server session through real framers.
#include "session/client_session.h"
#include "session/server_session.h"
#include "session_helpers.h"

using namespace smtpsec;
using namespace smtpsec::session;
using namespace smtpsec::test;

namespace {

ClientSession established_client() {
    ClientSession c({{Bytes::copy_of(std::string_view("leaf"))}});
    deliver(c, Message{{}, ServerHello{7}});  // any version is accepted
    auto out = read_all(c.output());
    REQUIRE(out.size() == 1);
    CHECK(out[0] == Message{{}, ClientHello{0, {{Bytes::copy_of(std::string_view("leaf"))}}}});
    return c;
}

}  // namespace

TEST_CASE("Emails queued before the ServerHello follow the ClientHello") {
    ClientSession c({{Bytes::copy_of(std::string_view("leaf"))}});
    c.send(100, Message{{}, simple_email()});
    c.send(101, Message{{}, simple_email()});
    CHECK(c.output().empty());
    deliver(c, Message{{}, ServerHello{0}});
    auto out = read_all(c.output());
    REQUIRE(out.size() == 3);
    CHECK(out[0].type() == MessageType::client_hello);
    CHECK(out[1].type() == MessageType::email);
    CHECK(c.in_flight() == 2);
}

TEST_CASE("with an output hook, each queued Email is encoded into a buffer of its own") {
    ClientSession c({{Bytes::copy_of(std::string_view("leaf"))}});
    std::vector<std::vector<std::uint8_t>> taken;  // what the driver took at each call
    c.on_output([&] {
        taken.push_back(std::move(c.output()));
        c.output().clear();
    });
    c.send(100, Message{{}, simple_email()});
    c.send(101, Message{{}, simple_email()});
    deliver(c, Message{{}, ServerHello{0}});
    taken.push_back(std::move(c.output()));
    REQUIRE(taken.size() == 3);
    std::vector<MessageType> types;
    for (auto& buffer : taken) {
        auto messages = read_all(buffer);
        REQUIRE(messages.size() == 1);
        types.push_back(messages[0].type());
    }
    CHECK(types ==
          std::vector<MessageType>{MessageType::client_hello, MessageType::email, MessageType::email});
    CHECK(c.in_flight() == 2);
}

TEST_CASE("answers are paired with the Emails they reference") {
    auto c = established_client();
    c.send(7, Message{{}, simple_email()});  // Message 1
    c.send(8, Message{{}, simple_email()});  // Message 2
    c.send(9, Message{{}, simple_email()});  // Message 3
    deliver(c, Message{{}, EmailDelivered{1}});
    deliver(c, Message{{}, Error{ErrorCode::unknown_address, 2, {"x@b.test"}}});
    deliver(c, Message{{}, Error{ErrorCode::authentication_failed, 3, {}}});
    auto a = c.take_answer();
    auto b = c.take_answer();
    auto d = c.take_answer();
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(d);
    CHECK(a->id == 7);
    CHECK_FALSE(a->error);
    CHECK(b->id == 8);
    CHECK(b->error == ErrorCode::unknown_address);
    CHECK(b->unknown == std::vector<std::string>{"x@b.test"});
    CHECK(d->error == ErrorCode::authentication_failed);
    CHECK(c.in_flight() == 0);
    CHECK_FALSE(c.failed());
}

TEST_CASE("service_unavailable fails the connection; the rest are abandoned") {
    auto c = established_client();
    c.send(1, Message{{}, simple_email()});
    c.send(2, Message{{}, simple_email()});
    deliver(c, Message{{}, Error{ErrorCode::service_unavailable, 1, {}}});
    CHECK(c.failed());
    auto answer = c.take_answer();
    REQUIRE(answer);
    CHECK(answer->error == ErrorCode::service_unavailable);
    CHECK(c.abandon() == std::vector<std::uint64_t>{2});
}

TEST_CASE("protocol violations by the server fail the connection") {
    SECTION("answer out of order") {
        auto c = established_client();
        c.send(1, Message{{}, simple_email()});
        c.send(2, Message{{}, simple_email()});
        deliver(c, Message{{}, EmailDelivered{2}});
        CHECK(c.failed());
        CHECK_THAT(c.failure(), Catch::Contains("out of order"));
    }
    SECTION("internal_error without a reference") {
        auto c = established_client();
        deliver(c, Message{{}, Error{ErrorCode::internal_error, std::nullopt, {}}});
        CHECK(c.failed());
    }
    SECTION("service_unavailable about a Message never sent") {
        auto c = established_client();
        deliver(c, Message{{}, Error{ErrorCode::service_unavailable, 9, {}}});
        CHECK(c.failed());
    }
    SECTION("an Error out of order") {
        auto c = established_client();
        c.send(1, Message{{}, simple_email()});
        c.send(2, Message{{}, simple_email()});
        deliver(c, Message{{}, Error{ErrorCode::illegal_message, 2, {}}});
        CHECK(c.failed());
        CHECK_FALSE(c.take_answer());
    }
    SECTION("ClientHello refused") {
        auto c = established_client();
        deliver(c, Message{{}, Error{ErrorCode::insufficient_security, 0, {}}});
        CHECK(c.failed());
        CHECK_THAT(c.failure(), Catch::Contains("ClientHello"));
    }
    SECTION("a malformed Message") {
        auto c = established_client();
        std::vector<std::uint8_t> junk = {0, 0, 0, 0, 0, 0, 0, 12, 9, 0, 0, 0};
        deliver_bytes(c, junk);
        CHECK(c.failed());
    }
    SECTION("a second ServerHello") {
        auto c = established_client();
        deliver(c, Message{{}, ServerHello{0}});
        CHECK(c.failed());
    }
}

TEST_CASE("an Error that answers no Email and does not end the session is noted; the session goes on") {
    auto c = established_client();
    c.send(1, Message{{}, simple_email()});  // Message 1
    c.send(2, Message{{}, simple_email()});  // Message 2
    deliver(c, Message{{}, Error{ErrorCode::illegal_message, std::nullopt, {}}});
    deliver(c, Message{{}, Error{ErrorCode::too_large, 7, {}}});  // never sent
    deliver(c, Message{{}, EmailDelivered{1}});
    // An Error referencing an Email is that Email's answer, whatever the code.
    deliver(c, Message{{}, Error{ErrorCode::illegal_message, 2, {}}});
    deliver(c, Message{{}, Error{ErrorCode::illegal_parameter, 1, {}}});  // already answered
    CHECK_FALSE(c.failed());
    CHECK(c.notes() ==
          std::vector<std::string>{
              "the server sent Error illegal_message without a reference",
              "the server sent Error too_large about Message 7, which awaits no answer",
              "the server sent Error illegal_parameter about Message 1, which awaits no answer"});
    auto a = c.take_answer();
    auto b = c.take_answer();
    REQUIRE((a && b));
    CHECK(a->id == 1);
    CHECK_FALSE(a->error);
    CHECK(b->id == 2);
    CHECK(b->error == ErrorCode::illegal_message);
    CHECK_FALSE(c.take_answer());
    CHECK(c.in_flight() == 0);
    // The session goes on: the next Email is answered as usual.
    c.send(3, Message{{}, simple_email()});
    deliver(c, Message{{}, EmailDelivered{3}});
    auto d = c.take_answer();
    REQUIRE(d);
    CHECK(d->id == 3);
    CHECK_FALSE(c.failed());
}

TEST_CASE("a server sending Errors that answer nothing without end is cut off") {
    auto c = established_client();
    c.send(1, Message{{}, simple_email()});
    for (int i = 0; i < 16; ++i) deliver(c, Message{{}, Error{ErrorCode::illegal_message, std::nullopt, {}}});
    CHECK_FALSE(c.failed());
    deliver(c, Message{{}, Error{ErrorCode::illegal_message, std::nullopt, {}}});
    CHECK(c.failed());
    CHECK(c.failure() == "the server sent more than 16 Errors that answer no Email");
    CHECK(c.abandon() == std::vector<std::uint64_t>{1});
}

TEST_CASE("a client and a server session exchange Emails through framers") {
    ServerSession server;
    ClientSession client({{Bytes::copy_of(std::string_view("leaf"))}});
    Framer to_server(1 << 20), to_client(1 << 20);
    for (std::uint64_t id = 0; id < 5; ++id) client.send(id, Message{{}, simple_email()});
    server.start();

    std::vector<EmailAnswer> answers;
    for (int round = 0; round < 10; ++round) {
        to_client.feed(server.output());
        server.output().clear();
        while (auto e = to_client.next()) client.on_event(std::move(*e));
        while (auto a = client.take_answer()) answers.push_back(*a);
        to_server.feed(client.output());
        client.output().clear();
        while (auto e = to_server.next()) server.on_event(std::move(*e));
        while (auto e = server.take_email()) {
            // Deliver all but the email for id 3, which has an unknown recipient.
            server.complete(e->number, e->number == 4 ? EmailOutcome::unknown_addresses(e->email().recipients)
                                                      : EmailOutcome::delivered());
        }
    }
    REQUIRE(answers.size() == 5);
    for (std::uint64_t id = 0; id < 5; ++id) {
        CHECK(answers[id].id == id);
        CHECK(answers[id].error.has_value() == (id == 3));
    }
    CHECK(server.all_answered());
    CHECK(client.in_flight() == 0);
}

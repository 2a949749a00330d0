// The server's session rules (docs/decisions.md points 4, 15-18), Message by
// Message.
#include "session/server_session.h"
#include "session_helpers.h"

using namespace smtpsec;
using namespace smtpsec::session;
using namespace smtpsec::test;

namespace {

ServerSession started(ServerLimits limits = {}) {
    ServerSession s(limits);
    s.start();
    auto hello = read_all(s.output());
    REQUIRE(hello.size() == 1);
    REQUIRE(hello[0] == Message{{}, ServerHello{0}});
    return s;
}

void check_error(const Message& m, ErrorCode code, std::uint32_t number) {
    INFO(name_of(code) << " for #" << number);
    REQUIRE(m.type() == MessageType::error);
    CHECK(as_error(m).code == code);
    CHECK(as_error(m).message_number == number);
}

}  // namespace

TEST_CASE("pipelined Emails are numbered from 1 and answered in order") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    deliver(s, Message{{}, simple_email()});
    deliver(s, Message{{}, simple_email()});
    auto first = s.take_email();
    auto second = s.take_email();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->number == 1);
    CHECK(second->number == 2);
    CHECK(first->chain->front().view() == "leaf-der");
    CHECK_FALSE(s.take_email());

    s.complete(2, EmailOutcome::delivered());
    CHECK(s.output().empty());  // #2 waits for #1
    s.complete(1, EmailOutcome::unknown_addresses({"nobody@b.test"}));
    auto out = read_all(s.output());
    REQUIRE(out.size() == 2);
    check_error(out[0], ErrorCode::unknown_address, 1);
    CHECK(as_error(out[0]).unknown_addresses == std::vector<std::string>{"nobody@b.test"});
    CHECK(out[1] == Message{{}, EmailDelivered{2}});
    CHECK(s.all_answered());
    CHECK_FALSE(s.closing());
}

TEST_CASE("Messages at the wrong time are illegal_message and ignored") {
    auto s = started();
    deliver(s, Message{{}, simple_email()});          // #0 before ClientHello
    deliver(s, Message{{}, hello_with_one_chain()});  // #1
    deliver(s, Message{{}, hello_with_one_chain()});  // #2 second ClientHello
    deliver(s, Message{{}, ServerHello{0}});          // #3
    deliver(s, Message{{}, EmailDelivered{1}});       // #4
    deliver(s, Message{{}, simple_email()});          // #5 accepted
    auto out = read_all(s.output());
    REQUIRE(out.size() == 4);
    check_error(out[0], ErrorCode::illegal_message, 0);
    check_error(out[1], ErrorCode::illegal_message, 2);
    check_error(out[2], ErrorCode::illegal_message, 3);
    check_error(out[3], ErrorCode::illegal_message, 4);
    auto e = s.take_email();
    REQUIRE(e);
    CHECK(e->number == 5);
    CHECK_FALSE(s.closing());
}

TEST_CASE("a ClientHello version other than 0 is illegal_parameter") {
    auto s = started();
    deliver(s, Message{{}, ClientHello{1, {}}});
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::illegal_parameter, 0);
}

TEST_CASE("chain index and empty chain checks") {
    auto s = started();
    deliver(s, Message{{}, ClientHello{0, {{Bytes::copy_of(std::string_view("x"))}, {}}}});
    deliver(s, Message{{}, simple_email(5)});  // #1 no such chain
    deliver(s, Message{{}, simple_email(1)});  // #2 empty chain
    auto out = read_all(s.output());
    REQUIRE(out.size() == 2);
    check_error(out[0], ErrorCode::illegal_parameter, 1);
    check_error(out[1], ErrorCode::authentication_failed, 2);
    CHECK_FALSE(s.take_email());
}

TEST_CASE("a malformed Email is answered in its turn and the connection goes on") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    deliver(s, Message{{}, simple_email()});  // #1 pending delivery
    Email none = simple_email();
    none.recipients.clear();
    // Encode by hand: the encoder would refuse nothing here, decode refuses it.
    deliver(s, Message{{}, none});  // #2 zero recipients
    CHECK(s.output().empty());      // waits behind #1
    std::vector<std::uint8_t> unknown_alg = {0, 0, 0, 0, 0, 0, 0, 18, 3, 0, 0, 0, 0, 0, 0x04, 0x01, 0, 0};
    deliver_bytes(s, unknown_alg);  // #3
    s.complete(1, EmailOutcome::delivered());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 3);
    CHECK(out[0] == Message{{}, EmailDelivered{1}});
    check_error(out[1], ErrorCode::illegal_parameter, 2);
    check_error(out[2], ErrorCode::insufficient_security, 3);
    CHECK_FALSE(s.closing());
}

TEST_CASE("an unknown MessageType is skipped and the connection goes on") {
    auto s = started();
    std::vector<std::uint8_t> unknown = {0, 0, 0, 0, 0, 0, 0, 12, 9, 0, 0, 0};
    deliver_bytes(s, unknown);
    deliver(s, Message{{}, hello_with_one_chain()});
    deliver(s, Message{{}, simple_email()});
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::illegal_message, 0);
    auto e = s.take_email();
    REQUIRE(e);
    CHECK(e->number == 2);
}

TEST_CASE("too_large: an Email is skipped, anything else closes") {
    auto s = started(ServerLimits{200, 10});
    deliver(s, Message{{}, hello_with_one_chain()});
    Email big = simple_email();
    big.message = Bytes(std::vector<std::uint8_t>(1000, 'x'));
    auto bytes = encode(Message{{}, big});
    Framer f(200);
    f.feed(bytes);
    while (auto e = f.next()) s.on_event(std::move(*e));
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::too_large, 1);
    CHECK_FALSE(s.closing());

    auto hello = encode(Message{{}, ClientHello{0, {{Bytes(std::vector<std::uint8_t>(500, 1))}}}});
    Framer g(200);
    g.feed(hello);
    while (auto e = g.next()) s.on_event(std::move(*e));
    auto out2 = read_all(s.output());
    REQUIRE(out2.size() == 1);
    check_error(out2[0], ErrorCode::too_large, 2);
    CHECK(s.closing());
}

TEST_CASE("an unframeable size closes the connection") {
    auto s = started();
    std::vector<std::uint8_t> bad = {0, 0, 0, 0, 0, 0, 0, 5};
    deliver_bytes(s, bad);
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::illegal_message, 0);
    CHECK(s.closing());
}

TEST_CASE("service_unavailable closes and later Emails get no answer") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    for (int i = 0; i < 3; ++i) deliver(s, Message{{}, simple_email()});
    auto a = s.take_email();
    auto b = s.take_email();
    REQUIRE(a);
    REQUIRE(b);
    s.complete(2, EmailOutcome::delivered());
    s.complete(1, EmailOutcome::failed(ErrorCode::service_unavailable));
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::service_unavailable, 1);
    CHECK(s.closing());
    CHECK_FALSE(s.take_email());
    deliver(s, Message{{}, simple_email()});
    CHECK(s.output().empty());
}

TEST_CASE("answers_owed counts Emails taken until their answers are sent; will_close stops taking") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    for (int i = 0; i < 4; ++i) deliver(s, Message{{}, simple_email()});
    CHECK(s.answers_owed() == 0);  // accepted, none taken yet
    auto a = s.take_email();
    auto b = s.take_email();
    auto c = s.take_email();
    REQUIRE((a && b && c));
    CHECK(s.answers_owed() == 3);
    // #2 and #3 are done, but their answers wait for #1: still owed.
    s.complete(2, EmailOutcome::delivered());
    s.complete(3, EmailOutcome::delivered());
    CHECK(s.output().empty());
    CHECK(s.answers_owed() == 3);
    CHECK_FALSE(s.will_close());
    s.complete(1, EmailOutcome::delivered());
    CHECK(read_all(s.output()).size() == 3);
    CHECK(s.answers_owed() == 0);
    // A closing outcome behind an unanswered Email: known before it is sent.
    auto d = s.take_email();
    REQUIRE(d);
    deliver(s, Message{{}, simple_email()});
    auto e = s.take_email();
    REQUIRE(e);
    s.complete(e->number, EmailOutcome::failed(ErrorCode::service_unavailable));
    CHECK(s.output().empty());
    CHECK(s.will_close());
    CHECK_FALSE(s.closing());
    s.complete(d->number, EmailOutcome::delivered());
    CHECK(s.closing());
}

TEST_CASE("the Email limit per connection answers service_unavailable and closes") {
    auto s = started(ServerLimits{1 << 20, 2});
    deliver(s, Message{{}, hello_with_one_chain()});
    for (int i = 0; i < 3; ++i) deliver(s, Message{{}, simple_email()});
    REQUIRE(s.take_email());
    REQUIRE(s.take_email());
    s.complete(1, EmailOutcome::delivered());
    s.complete(2, EmailOutcome::delivered());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 3);
    check_error(out[2], ErrorCode::service_unavailable, 3);
    CHECK(s.closing());
}

TEST_CASE(
    "an Error from the client other than internal_error and service_unavailable is logged; the session goes "
    "on") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});                               // #0
    deliver(s, Message{{}, Error{ErrorCode::insufficient_security, 0, {}}});       // #1
    deliver(s, Message{{}, Error{ErrorCode::illegal_message, std::nullopt, {}}});  // #2
    deliver(s, Message{{}, simple_email()});                                       // #3
    CHECK_FALSE(s.closing());
    CHECK(s.output().empty());  // an Error is never answered
    REQUIRE(s.notes().size() == 2);
    CHECK(s.notes()[0].text == "client sent Error insufficient_security about Message 0");
    CHECK(s.notes()[1].text == "client sent Error illegal_message");
    auto e = s.take_email();
    REQUIRE(e);
    CHECK(e->number == 3);
    s.complete(3, EmailOutcome::delivered());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    CHECK(out[0] == Message{{}, EmailDelivered{3}});
    CHECK_FALSE(s.closing());
}

TEST_CASE(
    "service_unavailable or internal_error from the client ends the session once the Emails accepted are "
    "answered") {
    for (auto code : {ErrorCode::service_unavailable, ErrorCode::internal_error}) {
        INFO(name_of(code));
        auto s = started();
        deliver(s, Message{{}, hello_with_one_chain()});         // #0
        deliver(s, Message{{}, simple_email()});                 // #1
        deliver(s, Message{{}, simple_email()});                 // #2, not yet taken
        deliver(s, Message{{}, Error{code, std::nullopt, {}}});  // #3
        deliver(s, Message{{}, simple_email()});                 // #4: not read any more
        CHECK_FALSE(s.reading());
        CHECK_FALSE(s.closing());
        CHECK_THAT(s.notes().back().text, Catch::EndsWith(": ending the session"));
        auto a = s.take_email();
        CHECK_FALSE(s.will_close());  // #2 is still to be taken
        auto b = s.take_email();
        REQUIRE((a && b));
        CHECK(b->number == 2);
        CHECK_FALSE(s.take_email());
        CHECK(s.will_close());
        s.complete(1, EmailOutcome::delivered());
        CHECK_FALSE(s.closing());
        s.complete(2, EmailOutcome::delivered());
        auto out = read_all(s.output());
        // No Error of ours: the client ended the session.
        REQUIRE(out.size() == 2);
        CHECK(out[0] == Message{{}, EmailDelivered{1}});
        CHECK(out[1] == Message{{}, EmailDelivered{2}});
        CHECK(s.closing());
    }
}

TEST_CASE("end(): the server closes with an unreferenced Error after the answers already due") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    deliver(s, Message{{}, simple_email()});
    deliver(s, Message{{}, simple_email()});
    REQUIRE(s.take_email());
    s.complete(1, EmailOutcome::delivered());
    // #2 was received but not taken: it gets no answer and its client sends it again.
    s.end(ErrorCode::service_unavailable);
    auto out = read_all(s.output());
    REQUIRE(out.size() == 2);
    CHECK(out[0] == Message{{}, EmailDelivered{1}});
    REQUIRE(out[1].type() == MessageType::error);
    CHECK(as_error(out[1]).code == ErrorCode::service_unavailable);
    CHECK_FALSE(as_error(out[1]).message_number);
    CHECK(s.closing());
    CHECK_FALSE(s.take_email());
    deliver(s, Message{{}, simple_email()});
    s.end(ErrorCode::service_unavailable);  // once only
    CHECK(s.output().empty());
}

TEST_CASE("end() on an idle connection sends only the Error") {
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    s.end(ErrorCode::service_unavailable);
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    CHECK(out[0] == session::error_answer(ErrorCode::service_unavailable, std::nullopt));
    CHECK(s.closing());
}

namespace {
// The cheapest Message a client can send: 12 bytes of an unknown type,
// answered illegal_message (point 4) and skipped.
Framer::Event cheap_frame() {
    static const std::vector<std::uint8_t> bytes = {0, 0, 0, 0, 0, 0, 0, 12, 9, 0, 0, 0};
    return Framer::Frame{Bytes::copy_of(bytes)};
}
}  // namespace

TEST_CASE("the Message bound: twice the Email limit plus 64 by default, never above 2^24") {
    CHECK(ServerLimits{}.messages_bound() == 2064u);
    CHECK(ServerLimits{1 << 20, 10}.messages_bound() == 84u);
    CHECK(ServerLimits{1 << 20, 10, 5}.messages_bound() == 5u);
    CHECK(ServerLimits{1 << 20, 4'000'000'000u}.messages_bound() == 1u << 24);
    CHECK(ServerLimits{1 << 20, 10, 0xFFFFFFFFu}.messages_bound() == 1u << 24);
}

TEST_CASE(
    "past the Message bound the session answers what it owes, then an unreferenced service_unavailable, and "
    "closes") {
    auto s = started();                               // the default bound: 2064 Messages, numbered 0 to 2063
    deliver(s, Message{{}, hello_with_one_chain()});  // #0
    deliver(s, Message{{}, simple_email()});          // #1, in delivery
    auto first = s.take_email();
    REQUIRE(first);
    // 2^24 + 16 malformed Messages: once a uint24 could not number them
    // the encoder threw std::length_error out of the event loop.
    const std::uint32_t total = (1u << 24) + 16;
    for (std::uint32_t i = 0; i < total; ++i) s.on_event(cheap_frame());
    CHECK_FALSE(s.reading());
    CHECK(s.messages_received() == 2064u);
    CHECK(s.output().empty());  // every answer waits behind #1
    CHECK_FALSE(s.closing());
    REQUIRE(s.notes().size() == 2063);  // #2 to #2063, then the end
    CHECK(s.notes().back().number == 2064u);
    CHECK(s.notes().back().text ==
          "more than 2064 Messages on one connection: ending with service_unavailable");

    s.complete(1, EmailOutcome::delivered());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1 + 2062 + 1);
    CHECK(out[0] == Message{{}, EmailDelivered{1}});
    for (std::uint32_t n = 2; n <= 2063; ++n) {
        INFO("#" << n);
        REQUIRE(out[n - 1] == error_answer(ErrorCode::illegal_message, n));
    }
    CHECK(out.back() == error_answer(ErrorCode::service_unavailable, std::nullopt));
    CHECK(s.closing());
    s.on_event(cheap_frame());
    CHECK(s.output().empty());
}

TEST_CASE("past the Message bound with nothing owed the session ends at once") {
    auto s = started(ServerLimits{1 << 20, 1000, 3});
    for (int i = 0; i < 5; ++i) s.on_event(cheap_frame());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 4);
    for (std::uint32_t n = 0; n < 3; ++n) CHECK(out[n] == error_answer(ErrorCode::illegal_message, n));
    CHECK(out[3] == error_answer(ErrorCode::service_unavailable, std::nullopt));
    CHECK(s.closing());
}

TEST_CASE(
    "past the Email limit the Emails accepted before it are still taken and answered, then the limit's "
    "answer") {
    auto s = started(ServerLimits{1 << 20, 3});
    deliver(s, Message{{}, hello_with_one_chain()});
    // Five Emails pipelined in one read, before the driver takes any: #4 is
    // past the limit (closing), #5 is never read.
    for (int i = 0; i < 5; ++i) deliver(s, Message{{}, simple_email()});
    CHECK_FALSE(s.reading());
    // The driver takes while will_close() is false (inbound/connection.cc):
    // once it stopped here, #1-#3 were never answered and the connection
    // waited for the read timeout.
    std::vector<std::uint32_t> taken;
    while (!s.will_close())
        if (auto e = s.take_email())
            taken.push_back(e->number);
        else
            break;
    CHECK(taken == std::vector<std::uint32_t>{1, 2, 3});
    for (auto n : taken) s.complete(n, EmailOutcome::delivered());
    auto out = read_all(s.output());
    REQUIRE(out.size() == 4);
    CHECK(out[0] == Message{{}, EmailDelivered{1}});
    CHECK(out[1] == Message{{}, EmailDelivered{2}});
    CHECK(out[2] == Message{{}, EmailDelivered{3}});
    CHECK(out[3] == error_answer(ErrorCode::service_unavailable, 4u));
    CHECK(s.closing());
    CHECK(s.all_answered());
}

TEST_CASE("an Email with more recipients than an answer could list never reaches delivery") {
    // An unknown_address answer lists at most 2^16-1 addresses: the decoder's
    // bound (too_large) lies below that, and the session's own check behind
    // it (illegal_parameter) holds whatever the decoder allowed.
    STATIC_REQUIRE(DecodeLimits{}.max_recipients <= kMaxRecipientsPerEmail);
    auto s = started();
    deliver(s, Message{{}, hello_with_one_chain()});
    Email many = simple_email();
    many.recipients.assign(DecodeLimits{}.max_recipients + 1, "a@b.c");
    deliver(s, Message{{}, many});
    auto out = read_all(s.output());
    REQUIRE(out.size() == 1);
    check_error(out[0], ErrorCode::too_large, 1);
    CHECK_FALSE(s.take_email());
    CHECK_FALSE(s.closing());
}

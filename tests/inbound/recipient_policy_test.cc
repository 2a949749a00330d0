// The listener delivers only recipients it is the destination for
// (inbound/recipient_policy.h, decisions D1 and D4): the rest are
// unknown_address, and a recipient SMTP cannot carry refuses the Email.
#include <catch2/catch.hpp>

#include "inbound/recipient_policy.h"

using namespace smtpsec::inbound;

namespace {
const AcceptedDomains kOurs = {"b.test", "xn--bcher-kva.example"};
}

TEST_CASE("a recipient in one of our domains is ours, whatever the case of its domain",
          "[inbound][recipients]") {
    CHECK(classify_recipient("bob@b.test", kOurs) == RecipientVerdict::ours);
    CHECK(classify_recipient("Bob@B.TEST", kOurs) == RecipientVerdict::ours);
}

TEST_CASE("a U-label recipient domain matches its A-label in the accepted set", "[inbound][recipients]") {
    CHECK(classify_recipient("bob@bücher.example", kOurs) == RecipientVerdict::ours);
    CHECK(classify_recipient("bob@BÜCHER.example", kOurs) == RecipientVerdict::ours);
    CHECK(classify_recipient("bob@xn--bcher-kva.example", kOurs) == RecipientVerdict::ours);
}

TEST_CASE("another domain, a subdomain or a parent of ours is not ours", "[inbound][recipients]") {
    CHECK(classify_recipient("victim@outside.example", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("bob@sub.b.test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("bob@test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("bob@b.test.outside.example", kOurs) == RecipientVerdict::not_ours);
}

TEST_CASE("a domain literal is never ours", "[inbound][recipients]") {
    CHECK(classify_recipient("victim@[127.0.0.1]", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("victim@[IPv6:::1]", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("victim@[b.test]", AcceptedDomains{"[b.test]", "b.test"}) ==
          RecipientVerdict::not_ours);
}

TEST_CASE("a local part holding a route to another host (%, !, or a quoted @) is not ours",
          "[inbound][recipients]") {
    // The MTA may rewrite these to the host inside them (Postfix's
    // allow_percent_hack, swap_bangpath, resolve_dequoted_address;
    // Sendmail's ruleset 3): relaying, chosen by the sender.
    CHECK(classify_recipient("victim%outside.example@b.test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("outside.example!victim@b.test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("\"victim@outside.example\"@b.test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("\"victim%outside.example\"@b.test", kOurs) == RecipientVerdict::not_ours);
    CHECK(classify_recipient("\"outside.example!victim\"@b.test", kOurs) == RecipientVerdict::not_ours);
}

TEST_CASE("an invalid internationalised domain is not ours", "[inbound][recipients]") {
    CHECK(classify_recipient("bob@\xe2\x80\x8b.test", kOurs) ==
          RecipientVerdict::not_ours);  // zero-width space
}

TEST_CASE("with no accepted domain every recipient is unknown", "[inbound][recipients]") {
    CHECK(classify_recipient("bob@b.test", {}) == RecipientVerdict::not_ours);
}

TEST_CASE("a quoted local part SMTP can carry is ours as written", "[inbound][recipients]") {
    CHECK(classify_recipient("\"bob x\"@b.test", kOurs) == RecipientVerdict::ours);
    CHECK(classify_recipient("\"bob\\\"x\"@b.test", kOurs) == RecipientVerdict::ours);
}

TEST_CASE("a recipient SMTP cannot carry is unusable", "[inbound][recipients]") {
    CHECK(classify_recipient("\"bob\tx\"@b.test", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("\"bob\r\n x\"@b.test", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("bob x@b.test", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("bob@b.test>", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("<bob@b.test>", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("bob", kOurs) == RecipientVerdict::unusable);
    CHECK(classify_recipient("bob@b_x.test", kOurs) == RecipientVerdict::unusable);
}

TEST_CASE("an Email's recipients are split in order: ours, not ours, unusable", "[inbound][recipients]") {
    auto split = split_recipients(
        {"victim@outside.example", "bob@b.test", "x@[192.0.2.1]", "\"carol x\"@B.test", "\"a\tb\"@b.test"},
        kOurs);
    CHECK(split.ours == std::vector<std::string>{"bob@b.test", "\"carol x\"@B.test"});
    CHECK(split.not_ours == std::vector<std::string>{"victim@outside.example", "x@[192.0.2.1]"});
    CHECK(split.unusable == std::vector<std::string>{"\"a\tb\"@b.test"});
}

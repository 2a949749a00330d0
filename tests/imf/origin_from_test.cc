// origin_mailbox / parse_single_mailbox (docs/decisions.md point 22): exactly
// one From field with exactly one mailbox; everything ambiguous refused with a
// reason.
#include <catch2/catch.hpp>

#include <string>

#include "imf/origin_from.h"

using namespace smtpsec::imf;

namespace {

std::string msg(const std::string& headers) { return headers + "\r\nbody\r\n"; }

}  // namespace

TEST_CASE("accepted mailbox forms give the addr-spec and the domain") {
    struct Case {
        std::string value;
        std::string address;
        std::string domain;
    };
    const Case cases[] = {
        {" alice@a.test", "alice@a.test", "a.test"},
        {" <alice@a.test>", "alice@a.test", "a.test"},
        {" Alice <alice@a.test>", "alice@a.test", "a.test"},
        {" \"Alice Liddell\" <alice@a.test>", "alice@a.test", "a.test"},
        {" \"a@evil.test, b@evil.test\" <alice@a.test>", "alice@a.test", "a.test"},
        {" (comment bob@evil.test) alice@a.test", "alice@a.test", "a.test"},
        {" alice@a.test (Alice, bob@evil.test)", "alice@a.test", "a.test"},
        {" alice (x (nested (deep) \\) ) y) @ (c) a.test (t)", "alice@a.test", "a.test"},
        {" Alice Q. Public <alice@a.test>", "alice@a.test", "a.test"},
        {" =?utf-8?q?a=40evil=2Etest=2C_b?= <alice@a.test>", "alice@a.test", "a.test"},
        {" =?UTF-8?B?w6lsw6h2ZQ==?= <eleve@a.test>", "eleve@a.test", "a.test"},
        {"\r\n\tAlice\r\n <alice@a.test>", "alice@a.test", "a.test"},
        {" \"first last\"@a.test", "\"first last\"@a.test", "a.test"},
        {" \"a\\\"b\"@a.test", "\"a\\\"b\"@a.test", "a.test"},
        {" first.last+tag@sub.a.test", "first.last+tag@sub.a.test", "sub.a.test"},
        {" Alice <Alice@A.Test>", "Alice@A.Test", "A.Test"},
        {" J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc"
         "cher.test>",
         "j\xc3\xb6rg@b\xc3\xbc"
         "cher.test",
         "b\xc3\xbc"
         "cher.test"},
    };
    for (const auto& c : cases) {
        INFO(c.value);
        auto r = parse_single_mailbox(c.value);
        REQUIRE(r);
        CHECK(r->address == c.address);
        CHECK(r->domain == c.domain);
    }
}

TEST_CASE("the domain is also given ASCII-lowercased, UTF-8 left alone") {
    auto r = parse_single_mailbox(" Alice <Alice@Sub.A.TEST>");
    REQUIRE(r);
    CHECK(r->domain == "Sub.A.TEST");
    CHECK(r->domain_lower == "sub.a.test");
    CHECK(r->local_part == "Alice");
    auto u = parse_single_mailbox(" x@B\xc3\x9c.TEST");
    REQUIRE(u);
    CHECK(u->domain_lower == "b\xc3\x9c.test");
}

TEST_CASE("several mailboxes are refused") {
    for (const char* v :
         {" a@x.test, b@y.test", " Alice <a@x.test>, Bob <b@y.test>", " a@x.test,b@y.test,c@z.test"}) {
        INFO(v);
        auto r = parse_single_mailbox(v);
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::several_mailboxes);
    }
    CHECK(parse_single_mailbox(" a@x.test, b@y.test").error().reason == "From has 2 mailboxes");
    CHECK(parse_single_mailbox(" a@x.test,b@y.test,c@z.test").error().reason == "From has 3 mailboxes");
}

TEST_CASE("groups are refused") {
    for (const char* v :
         {" Undisclosed:;", " G: a@x.test;", " G: a@x.test, b@y.test;", " \"My Group\": a@x.test;"}) {
        INFO(v);
        auto r = parse_single_mailbox(v);
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::group);
        CHECK(r.error().reason == "From is a group");
    }
}

TEST_CASE("anything a lenient parser would guess at is unparseable") {
    const char* values[] = {
        "",                            // empty
        "   ",                         // only white space
        " a@x.test;b@y.test",          // GMime: one mailbox a@x
        " a@x.test,",                  // GMime: one mailbox
        " ,a@x.test",                  // obs empty element
        " a@x.test b@y.test",          // missing comma
        " <a@x.test> <b@y.test>",      // two angle addresses
        " a@x.test <b@y.test>",        // addr-spec as display name
        " <@evil.test:a@x.test>",      // obsolete route (GMime accepts it)
        " alice",                      // no domain (GMime accepts it)
        " alice@",                     // empty domain
        " @a.test",                    // empty local part
        " a@[192.0.2.1]",              // address literal
        " a.@x.test",                  // dot at the end of the local part
        " a..b@x.test",                // empty label
        " a@x..test",                  // empty domain label
        " a@x.test.",                  // trailing dot
        " a@x . test",                 // obsolete domain with CFWS
        " \"unterminated <a@x.test>",  // quote never closed
        " (unterminated a@x.test",     // comment never closed
        " Alice <a@x.test",            // '>' missing
        " Alice a@x.test>",            // '<' missing
        " a@x.test\r\nBcc: evil@y",    // a line break that is not folding
        " a@x.test\r\n",               // CRLF not followed by white space
        " a\x01@x.test",               // control character
        " \"a\x01\"@x.test",           // control character in a quoted string
        " a@x.test \\",                // stray backslash
        " a\xff@x.test",               // invalid UTF-8
        " a\xc0\xaf@x.test",           // overlong UTF-8
        " a@\xed\xa0\x80.test",        // UTF-8 surrogate
        " Alice <a@x.test> trailing",  // text after the angle address
    };
    for (const char* v : values) {
        INFO(v);
        auto r = parse_single_mailbox(v);
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::unparseable);
        CHECK_THAT(r.error().reason, Catch::StartsWith("unparseable From: "));
    }
    CHECK_THAT(parse_single_mailbox(" <@evil.test:a@x.test>").error().reason, Catch::Contains("route"));
    CHECK_THAT(parse_single_mailbox(" a@[192.0.2.1]").error().reason, Catch::Contains("address-literal"));
    CHECK_THAT(parse_single_mailbox(" (x a@x.test").error().reason, Catch::Contains("unterminated comment"));
}

TEST_CASE("deeply nested comments cost no recursion") {
    std::string v = " " + std::string(100000, '(') + std::string(100000, ')') + " a@x.test";
    auto r = parse_single_mailbox(v);
    REQUIRE(r);
    CHECK(r->address == "a@x.test");
}

TEST_CASE("the From field of a message: exactly one, any case") {
    SECTION("one From, lowercase name") {
        auto r = origin_mailbox(msg("To: b@b.test\r\nfrom: Alice <alice@a.test>\r\n"));
        REQUIRE(r);
        CHECK(r->address == "alice@a.test");
    }
    SECTION("folded From field") {
        auto r = origin_mailbox(msg("From: \"Alice\"\r\n <alice@a.test>\r\n"));
        REQUIRE(r);
        CHECK(r->domain_lower == "a.test");
    }
    SECTION("no From") {
        auto r = origin_mailbox(msg("To: b@b.test\r\nSender: alice@a.test\r\n"));
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::no_from);
        CHECK(r.error().reason == "no From field");
    }
    SECTION("a From in the body does not count") {
        auto r = origin_mailbox("To: b@b.test\r\n\r\nFrom: alice@a.test\r\n");
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::no_from);
    }
    SECTION("two From fields, whatever their case") {
        auto r = origin_mailbox(msg("From: alice@a.test\r\nSubject: x\r\nFROM: mallory@evil.test\r\n"));
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::several_from_fields);
        CHECK(r.error().reason == "2 From fields");
    }
    SECTION("'From :' counts as a From field and is refused") {
        auto two = origin_mailbox(msg("From: alice@a.test\r\nFrom : mallory@evil.test\r\n"));
        REQUIRE_FALSE(two);
        CHECK(two.error().reason == "2 From fields");
        auto one = origin_mailbox(msg("From : alice@a.test\r\n"));
        REQUIRE_FALSE(one);
        CHECK(one.error().failure == FromFailure::unparseable);
    }
    SECTION("header injection through a bare LF is no second From: the message is refused") {
        auto r = origin_mailbox(msg("From: alice@a.test\nFrom: mallory@evil.test\r\n"));
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::unparseable);
        CHECK_THAT(r.error().reason, Catch::Contains("bare LF"));
    }
    SECTION("a From hidden after a white-space-only line is refused") {
        auto r = origin_mailbox(msg("From: alice@a.test\r\nSubject: s\r\n \r\nFrom: mallory@evil.test\r\n"));
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::unparseable);
    }
    SECTION("encoded words are skipped, not decoded into addresses") {
        auto r = origin_mailbox(msg("From: =?utf-8?q?mallory=40evil=2Etest?= <alice@a.test>\r\n"));
        REQUIRE(r);
        CHECK(r->address == "alice@a.test");
    }
}

// Issue 13 items 3 and 12, decision D3: a From the MTA would truncate, or an
// address a reader might decode, is refused before it is authenticated.
TEST_CASE("a From field longer than 2,048 bytes is refused; one of exactly 2,048 is accepted") {
    const std::string head = "From: \"";
    const std::string tail = "\" <alice@a.test>\r\n";
    const std::size_t fill = kMaxFromFieldBytes - head.size() - (tail.size() - 2);  // the field without CRLF
    auto at_limit = origin_mailbox(msg(head + std::string(fill, 'x') + tail));
    REQUIRE(at_limit);
    CHECK(at_limit->address == "alice@a.test");
    auto over = origin_mailbox(msg(head + std::string(fill + 1, 'x') + tail));
    REQUIRE_FALSE(over);
    CHECK(over.error().failure == FromFailure::too_long);
    CHECK(over.error().reason == "From field is 2049 bytes (more than 2048: the MTA may truncate it)");
}

TEST_CASE("address tokens are counted as Postfix does; more than 200 are refused") {
    CHECK(count_address_tokens(" Alice <alice@a.test>") == 8);  // Alice < alice @ a . test >
    CHECK(count_address_tokens(" \"A \\\" B\" (c (d) e) x@[1.2.3.4]") == 5);
    std::string words;
    for (int i = 0; i < 193; ++i) words += " w";  // 193 + 7 for <alice@a.test> = 200
    auto at_limit = parse_single_mailbox(words + " <alice@a.test>");
    REQUIRE(at_limit);
    CHECK(at_limit->address == "alice@a.test");
    auto over = parse_single_mailbox(words + " w <alice@a.test>");
    REQUIRE_FALSE(over);
    CHECK(over.error().failure == FromFailure::too_many_tokens);
    CHECK(over.error().reason == "From has 201 address tokens (more than 200: the MTA may truncate it)");
}

TEST_CASE("an encoded word inside the From address is refused (RFC 2047 section 5)") {
    for (const char* value : {" =?utf-8?q?ceo?=@a.test", " Alice <=?utf-8?q?ceo?=@a.test>",
                              " \"=?utf-8?q?ceo=40b.test?=\"@a.test", " alice.=?x?q?y?=@a.test"}) {
        INFO(value);
        auto r = parse_single_mailbox(value);
        REQUIRE_FALSE(r);
        CHECK(r.error().failure == FromFailure::encoded_word_in_address);
    }
    // In the display name it is an ordinary atom (see the accepted forms above).
    CHECK(parse_single_mailbox(" =?utf-8?q?Alice?= <alice@a.test>"));
}

// Authentication-Results: our field's exact text, and reading the authserv-id
// of fields in a message to find forged ones (RFC 8601 section 5).
#include <catch2/catch.hpp>

#include "imf/auth_results.h"

using namespace smtpsec::imf;

TEST_CASE("the A-R field we add") {
    auto f = format_authentication_results({"mx.b.test", "a.test", "mx.a.test"});
    REQUIRE(f);
    CHECK(*f ==
          "Authentication-Results: mx.b.test;\r\n"
          "\tsmtpsec=pass header.from=a.test policy.cert-name=mx.a.test\r\n");
    // An SRVName is a MIME token too; its authserv-id reads back.
    auto s = format_authentication_results({"mx.b.test", "a.test", "_smtpsec.a.test"});
    REQUIRE(s);
    CHECK_THAT(*s, Catch::Contains("policy.cert-name=_smtpsec.a.test\r\n"));
    CHECK(authserv_id_of(f->substr(std::string("Authentication-Results:").size())) == "mx.b.test");
}

TEST_CASE("values that are not tokens are quoted; control characters are refused") {
    auto q = format_authentication_results({"my gateway", "a.test", "we\"ird\\"});
    REQUIRE(q);
    CHECK_THAT(*q, Catch::StartsWith("Authentication-Results: \"my gateway\";"));
    CHECK_THAT(*q, Catch::Contains("policy.cert-name=\"we\\\"ird\\\\\""));
    CHECK_FALSE(format_authentication_results({"mx.b.test\r\nFrom: x", "a.test", "n"}));
    CHECK_FALSE(format_authentication_results({"mx.b.test", "a.test\n", "n"}));
    CHECK_FALSE(format_authentication_results({"mx.b.test", "", "n"}));
    CHECK_FALSE(format_authentication_results({"mx.b.test", "a.test", "bad\xff"}));
}

TEST_CASE("authserv-id of existing fields") {
    CHECK(authserv_id_of(" mx.b.test; spf=pass") == "mx.b.test");
    CHECK(authserv_id_of(" mx.b.test 1; spf=pass") == "mx.b.test");
    CHECK(authserv_id_of(" (comment; with semicolon) mx.b.test;\r\n\tdkim=pass") == "mx.b.test");
    CHECK(authserv_id_of(" \"mx.b.test\"; none") == "mx.b.test");
    CHECK(authserv_id_of(" \"m\\x.b.test\" ; none") == "mx.b.test");
    CHECK(authserv_id_of(" mx.b.test;none") == "mx.b.test");
    CHECK_FALSE(authserv_id_of(" ; spf=pass"));
    CHECK_FALSE(authserv_id_of(""));
    CHECK_FALSE(authserv_id_of(" mx.b.test"));           // no ';'
    CHECK_FALSE(authserv_id_of(" mx.b.test spf=pass"));  // no ';'
    CHECK_FALSE(authserv_id_of(" (unterminated mx.b.test;"));
    CHECK_FALSE(authserv_id_of(" \"unterminated; x"));
}

TEST_CASE("forged: ours written as another form of the same name (final dot, A-label or U-label)") {
    // A reader or filter comparing host names would take these for ours.
    CHECK(is_forged_auth_results(" mx.b.test.; smtpsec=pass", "mx.b.test"));
    CHECK(is_forged_auth_results(" MX.B.TEST.; smtpsec=pass", "mx.b.test."));
    CHECK(is_forged_auth_results(" mx.xn--bcher-kva.example; smtpsec=pass",
                                 "mx.b\xc3\xbc"
                                 "cher.example"));
    CHECK(
        is_forged_auth_results(" \"mx.B\xc3\x9c"
                               "Cher.example\"; smtpsec=pass",
                               "mx.xn--bcher-kva.example"));
    CHECK_FALSE(is_forged_auth_results(" mx.b.test..; smtpsec=pass", "mx.b.test.evil"));
}

TEST_CASE("forged: ours in any case, or unreadable; others are kept") {
    CHECK(is_forged_auth_results(" mx.b.test; smtpsec=pass", "mx.b.test"));
    CHECK(is_forged_auth_results(" MX.B.Test; smtpsec=pass", "mx.b.test"));
    CHECK(is_forged_auth_results(" (x) \"mx.b.test\" 1; none", "mx.b.test"));
    CHECK(is_forged_auth_results(" garbage without semicolon", "mx.b.test"));
    CHECK_FALSE(is_forged_auth_results(" mx.a.test; dkim=pass", "mx.b.test"));
    CHECK_FALSE(is_forged_auth_results(" mx.b.test.evil; dkim=pass", "mx.b.test"));
}

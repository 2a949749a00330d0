// IDNA A-labels for origin authentication (docs/decisions.md point 22 with
// RFC 6532 From domains): U-labels become lowercased A-labels, ASCII is only
// lowercased, invalid labels are refused with a reason.
#include <catch2/catch.hpp>

#include "imf/idna.h"

using smtpsec::imf::domain_to_a_label;

TEST_CASE("U-label domains become their A-label form", "[imf][idna]") {
    auto a = domain_to_a_label(
        "b\xC3\xBC"
        "cher.example");  // bücher.example
    REQUIRE(a);
    CHECK(*a == "xn--bcher-kva.example");
    // Upper-case U-labels map to the same A-label (UTS #46 case folding).
    auto upper = domain_to_a_label(
        "B\xC3\x9C"
        "CHER.Example");  // BÜCHER.Example
    REQUIRE(upper);
    CHECK(*upper == *a);
    // NFD input (u + combining diaeresis) normalises to the same name.
    auto nfd = domain_to_a_label(
        "bu\xCC\x88"
        "cher.example");
    REQUIRE(nfd);
    CHECK(*nfd == *a);
    auto mixed = domain_to_a_label("mail.\xE4\xBE\x8B\xE3\x81\x88.test");  // mail.例え.test
    REQUIRE(mixed);
    CHECK(mixed->rfind("mail.xn--", 0) == 0);
    CHECK(mixed->substr(mixed->size() - 5) == ".test");
}

TEST_CASE("ASCII domains are only lowercased", "[imf][idna]") {
    auto a = domain_to_a_label("Mx.Example.ORG");
    REQUIRE(a);
    CHECK(*a == "mx.example.org");
    auto already = domain_to_a_label("XN--BCHER-KVA.example");
    REQUIRE(already);
    CHECK(*already == "xn--bcher-kva.example");
}

TEST_CASE("invalid IDN labels are refused with a reason", "[imf][idna]") {
    // U+2764 HEAVY BLACK HEART is DISALLOWED in IDNA2008.
    auto heart = domain_to_a_label("\xE2\x9D\xA4.example");
    REQUIRE_FALSE(heart);
    CHECK(heart.error().reason.find("not a valid internationalised domain name") != std::string::npos);
    // Invalid UTF-8.
    auto broken = domain_to_a_label(
        "b\xC3"
        "cher.example");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().reason.find("UTF-8") != std::string::npos);
    CHECK_FALSE(domain_to_a_label(""));
}

// Issue 13 item 10, decision D3: a From domain that cannot be a host name is
// refused (authentication_failed), not looked up.
TEST_CASE("host_a_label: the A-label of a host name; anything else refused", "[imf][idna]") {
    using smtpsec::imf::host_a_label;
    CHECK(host_a_label("A.Test").value() == "a.test");
    CHECK(host_a_label("b\xc3\xbc"
                       "cher.example")
              .value() == "xn--bcher-kva.example");
    CHECK(host_a_label("x-1.a-b.test").value() == "x-1.a-b.test");
    for (const char* bad : {"a!b.test", "a_b.test", "-a.test", "a-.test", "a..test", ".a.test", "a.test.",
                            "a+b.test", "a=b.test"}) {
        INFO(bad);
        CHECK_FALSE(host_a_label(bad));
    }
    CHECK_FALSE(host_a_label(std::string(64, 'a') + ".test"));
    CHECK(host_a_label(std::string(63, 'a') + ".test"));
    std::string long_name;
    for (int i = 0; i < 64; ++i) long_name += "abc.";
    CHECK_FALSE(host_a_label(long_name + "test"));  // 260 octets
}

// Name checks and RDATA parsing: malformed data must be refused, never guessed.
#include <catch2/catch.hpp>

#include <string>

#include "dns/names.h"
#include "dns/records.h"
#include "dns_test_helpers.h"

using namespace smtpsec::dns;
using smtpsec::dns::testing::srv_rdata;
using smtpsec::dns::testing::wire_name;

TEST_CASE("normalize_name lower-cases and refuses zone-file syntax", "[names]") {
    CHECK(normalize_name("Mail.Example.COM.") == std::optional<std::string>("mail.example.com"));
    CHECK(normalize_name("_smtpsec._tcp.a.test") == std::optional<std::string>("_smtpsec._tcp.a.test"));
    CHECK_FALSE(normalize_name(""));
    CHECK_FALSE(normalize_name("."));
    CHECK_FALSE(normalize_name("a..b"));
    CHECK_FALSE(normalize_name(".a"));
    CHECK_FALSE(normalize_name("a\\.b"));
    CHECK_FALSE(normalize_name("a b"));
    CHECK_FALSE(normalize_name("a\"b"));
    CHECK_FALSE(normalize_name("a;b"));
    CHECK(normalize_name(std::string(63, 'x') + ".test"));
    CHECK_FALSE(normalize_name(std::string(64, 'x') + ".test"));
    std::string long_name;
    while (long_name.size() < 250) long_name += "abcdefghi.";
    CHECK_FALSE(normalize_name(long_name + "test"));
}

TEST_CASE("query names", "[names]") {
    CHECK(srv_query_name("a.test") == "_smtpsec._tcp.a.test");
    CHECK(tlsa_query_name(25, "mx.a.test") == "_25._tcp.mx.a.test");
}

TEST_CASE("decode_wire_name", "[names]") {
    CHECK(decode_wire_name(wire_name("MX.A.Test")) == std::optional<std::string>("mx.a.test"));
    CHECK(decode_wire_name(wire_name(".")) == std::optional<std::string>("."));
    const std::vector<std::uint8_t> dot_in_label{3, 'a', '.', 'b', 0};
    CHECK_FALSE(decode_wire_name(dot_in_label));
    const std::vector<std::uint8_t> pointer{0xC0, 0x0C};
    CHECK_FALSE(decode_wire_name(pointer));
    const std::vector<std::uint8_t> truncated{4, 'a', 'b'};
    CHECK_FALSE(decode_wire_name(truncated));
    const std::vector<std::uint8_t> trailing{1, 'a', 0, 7};
    CHECK_FALSE(decode_wire_name(trailing));
    CHECK_FALSE(decode_wire_name(std::vector<std::uint8_t>{}));
}

TEST_CASE("parse_srv", "[records]") {
    const auto srv = parse_srv(srv_rdata(10, 60, 4650, "MX1.multi.test"));
    REQUIRE(srv);
    CHECK(*srv == SrvTarget{"mx1.multi.test", 4650, 10, 60});
    const auto root = parse_srv(srv_rdata(0, 0, 0, "."));
    REQUIRE(root);
    CHECK(root->host == ".");
    auto short_rdata = srv_rdata(0, 0, 1, "a");
    short_rdata.resize(6);
    CHECK_FALSE(parse_srv(short_rdata));
    auto bad_name = srv_rdata(0, 0, 1, "a.b");
    bad_name[7] = '\\';
    CHECK_FALSE(parse_srv(bad_name));
}

TEST_CASE("parse_tlsa", "[records]") {
    const std::vector<std::uint8_t> rdata{3, 1, 1, 0xab, 0xcd};
    const auto t = parse_tlsa(rdata);
    REQUIRE(t);
    CHECK(t->usage == 3);
    CHECK(t->selector == 1);
    CHECK(t->matching_type == 1);
    CHECK(t->data == std::vector<std::uint8_t>{0xab, 0xcd});
    CHECK_FALSE(parse_tlsa(std::vector<std::uint8_t>{3, 1, 1}));
}

TEST_CASE("parse_a and parse_aaaa", "[records]") {
    const auto a = parse_a(std::vector<std::uint8_t>{127, 0, 0, 2});
    REQUIRE(a);
    CHECK(a->to_string() == "127.0.0.2");
    CHECK_FALSE(parse_a(std::vector<std::uint8_t>{127, 0, 0}));
    std::vector<std::uint8_t> six(16, 0);
    six[15] = 1;
    const auto v6 = parse_aaaa(six);
    REQUIRE(v6);
    CHECK(v6->to_string() == "::1");
    CHECK(v6->family == AddressFamily::ipv6);
    CHECK_FALSE(parse_aaaa(std::vector<std::uint8_t>(4, 1)));
}

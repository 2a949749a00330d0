// Malformed Messages: each case asserts the exact ErrorCode of
// docs/decisions.md and docs/protocol.md, and a non-empty reason. No input may
// crash, throw or allocate by a count it has not checked (ASan/UBSan builds run
// these too).
#include <catch2/catch.hpp>

#include "builder.h"
#include "smtpsec/codec.h"

using namespace smtpsec;
using smtpsec::test::email_prefix;
using smtpsec::test::good_email_rest;
using smtpsec::test::Raw;

namespace {

struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    ErrorCode expected;
};

Raw ext_email(std::initializer_list<std::pair<std::uint8_t, std::string_view>> exts) {
    Raw r;
    r.u(3, 1).u(exts.size(), 2);
    for (auto& [type, data] : exts) r.u(type, 1).opaque(data, 4);
    r.u(0, 3).u(0x0807, 2).u(0, 2);
    return good_email_rest(r);
}

// An Email whose recipients, headers and body are given explicitly.
Raw email_with(std::initializer_list<std::pair<std::string_view, std::string_view>> headers,
               std::initializer_list<std::string_view> recipients) {
    Raw r = email_prefix();
    r.fill(64);
    r.u(headers.size(), 3);
    for (auto& [n, v] : headers) r.opaque(n, 2).opaque(v, 3);
    r.u(recipients.size(), 3);
    for (auto a : recipients) r.opaque(a, 2);
    r.opaque("body", 8);
    return r;
}

std::vector<Case> cases() {
    constexpr auto M = ErrorCode::illegal_message;
    constexpr auto P = ErrorCode::illegal_parameter;
    constexpr auto S = ErrorCode::insufficient_security;
    std::vector<Case> c;
    // Framing and type.
    c.push_back({"shorter than the size field", {0, 0, 0, 0}, M});
    c.push_back({"size larger than the bytes", Raw().u(1, 1).u(0, 2).u(0, 1).message(+5), M});
    c.push_back({"size smaller than the bytes", Raw().u(1, 1).u(0, 2).u(0, 1).message(-1), M});
    c.push_back({"size 10, below the minimum", Raw().u(1, 1).u(0, 1).message(), M});
    c.push_back({"unknown MessageType 5", Raw().u(5, 1).u(0, 2).u(0, 1).message(), M});
    c.push_back({"unknown MessageType 255", Raw().u(255, 1).u(0, 2).message(), M});
    // Extensions.
    c.push_back({"extension count past the end", Raw().u(1, 1).u(1000, 2).u(0, 1).message(), M});
    c.push_back({"extension data length past the end",
                 Raw().u(1, 1).u(1, 2).u(9, 1).u(100, 4).str("ab").message(), M});
    c.push_back({"extension type missing", Raw().u(1, 1).u(1, 2).message(), M});
    c.push_back({"require_security with two bytes", ext_email({{0, "\x01\x01"}}).message(), P});
    c.push_back({"require_security value 2", ext_email({{0, "\x02"}}).message(), P});
    c.push_back({"require_security empty", ext_email({{0, ""}}).message(), P});
    c.push_back({"require_security twice", ext_email({{0, "\x01"}, {0, "\x00"}}).message(), P});
    c.push_back({"require_security on a ServerHello",
                 Raw().u(1, 1).u(1, 2).u(0, 1).opaque("\x01", 4).u(0, 1).message(), P});
    // ServerHello / ClientHello.
    c.push_back({"ServerHello without version", Raw().u(1, 1).u(0, 2).message(), M});
    c.push_back({"ServerHello with a trailing byte", Raw().u(1, 1).u(0, 2).u(0, 1).u(7, 1).message(), M});
    c.push_back({"ClientHello without version", Raw().u(2, 1).u(0, 2).message(), M});
    c.push_back(
        {"ClientHello chain count past the end", Raw().u(2, 1).u(0, 2).u(0, 1).u(0xffffff, 3).message(), M});
    c.push_back({"ClientHello certificate count past the end",
                 Raw().u(2, 1).u(0, 2).u(0, 1).u(1, 3).u(500, 2).message(), M});
    c.push_back({"ClientHello certificate length past the end",
                 Raw().u(2, 1).u(0, 2).u(0, 1).u(1, 3).u(1, 2).u(0xfffff, 3).str("xx").message(), M});
    // Email structure.
    c.push_back({"Email with unknown algorithm 0x0401", good_email_rest(email_prefix(0x0401)).message(), S});
    c.push_back({"Email with algorithm 0xffff", good_email_rest(email_prefix(0xffff)).message(), S});
    c.push_back({"Email with non-empty parameters",
                 good_email_rest(Raw().u(3, 1).u(0, 2).u(0, 3).u(0x0807, 2).opaque("p", 2)).message(), P});
    c.push_back({"Email with a truncated signature", email_prefix().fill(10).message(), M});
    c.push_back(
        {"Email trace header count past the end", email_prefix().fill(64).u(0xffffff, 3).message(), M});
    c.push_back({"Email header value length past the end",
                 email_prefix().fill(64).u(1, 3).opaque("X-A", 2).u(0xffffff, 3).str("v").message(), M});
    c.push_back(
        {"Email recipient count past the end", email_prefix().fill(64).u(0, 3).u(0xffffff, 3).message(), M});
    c.push_back({"Email body length 2^64-1",
                 email_prefix().fill(64).u(0, 3).u(1, 3).opaque("a@b.test", 2).u(~0ull, 8).str("x").message(),
                 M});
    c.push_back(
        {"Email with bytes after the body", good_email_rest(email_prefix()).str("junk").message(), M});
    c.push_back({"Email without a body length", email_prefix().fill(64).u(0, 3).u(0, 3).message(), M});
    // Email values.
    c.push_back({"Email with zero recipients", email_with({}, {}).message(), P});
    c.push_back({"recipient without @", email_with({}, {"bob.b.test"}).message(), P});
    c.push_back({"recipient in angle brackets", email_with({}, {"<bob@b.test>"}).message(), P});
    c.push_back({"recipient with parameters", email_with({}, {"bob@b.test SIZE=10"}).message(), P});
    c.push_back({"recipient not UTF-8", email_with({}, {"b\xff@b.test"}).message(), P});
    c.push_back({"recipient with an overlong UTF-8 form", email_with({}, {"\xc0\xaf@b.test"}).message(), P});
    c.push_back({"recipient with empty domain", email_with({}, {"bob@"}).message(), P});
    c.push_back({"recipient with empty local part", email_with({}, {"@b.test"}).message(), P});
    c.push_back({"trace header with a bare LF (header injection)",
                 email_with({{"Received", "x\nBcc: eve@evil.test"}}, {"bob@b.test"}).message(), P});
    c.push_back({"trace header with an unfolded CRLF",
                 email_with({{"Received", "x\r\nBcc: eve@evil.test"}}, {"bob@b.test"}).message(), P});
    c.push_back({"trace header value ending in CRLF",
                 email_with({{"Received", "x\r\n"}}, {"bob@b.test"}).message(), P});
    c.push_back(
        {"trace header name with a colon", email_with({{"Received:", "x"}}, {"bob@b.test"}).message(), P});
    c.push_back({"trace header with an empty name", email_with({{"", "x"}}, {"bob@b.test"}).message(), P});
    // EmailDelivered and Error.
    c.push_back({"EmailDelivered with two bytes", Raw().u(4, 1).u(0, 2).u(1, 2).message(), M});
    c.push_back({"Error with unknown reference 2", Raw().u(0, 1).u(0, 2).u(0, 1).u(2, 1).message(), P});
    c.push_back({"Error with unknown code 8", Raw().u(0, 1).u(0, 2).u(8, 1).u(0, 1).message(), P});
    c.push_back({"Error with a truncated message number",
                 Raw().u(0, 1).u(0, 2).u(5, 1).u(1, 1).u(1, 2).message(), M});
    c.push_back({"unknown_address list count past the end",
                 Raw().u(0, 1).u(0, 2).u(7, 1).u(0, 1).u(900, 2).message(), M});
    c.push_back({"Error without a reference", Raw().u(0, 1).u(0, 2).u(5, 1).message(), M});
    // A structural error is reported even when a value error came first.
    c.push_back({"structure error wins over value error",
                 Raw().u(1, 1).u(1, 2).u(0, 1).opaque("\x05", 4).u(0, 1).str("trailing").message(), M});
    return c;
}

}  // namespace

TEST_CASE("every malformed Message yields its exact ErrorCode and a reason") {
    auto all = cases();
    REQUIRE(all.size() >= 30);
    for (const auto& c : all) {
        INFO(c.name);
        DecodeResult r = [&] {
            // Decode from a buffer of exactly the case's size so ASan sees any overread.
            return decode(Bytes(std::vector<std::uint8_t>(c.bytes)));
        }();
        REQUIRE_FALSE(r.has_value());
        INFO("reason: " << r.error().reason);
        CHECK(r.error().code == c.expected);
        CHECK_FALSE(r.error().reason.empty());
    }
}

TEST_CASE("errors on an Email carry its type so the session can answer it") {
    auto r = decode(Bytes(email_with({}, {}).message()));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().type == MessageType::email);
    auto unknown = decode(Bytes(Raw().u(9, 1).u(0, 2).u(0, 1).message()));
    REQUIRE_FALSE(unknown.has_value());
    CHECK_FALSE(unknown.error().type.has_value());
}

TEST_CASE("reasons name what was wrong") {
    auto r = decode(Bytes(good_email_rest(email_prefix(0x0401)).message()));
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().reason, Catch::Contains("0x0401"));
    auto z = decode(Bytes(email_with({}, {}).message()));
    CHECK_THAT(z.error().reason, Catch::Contains("no recipients"));
}

TEST_CASE("well-formed addresses are accepted") {
    for (const char* a : {"bob@b.test", "a.b+c@x-y.b.test", "\"john doe\"@b.test", "jürgen@bücher.test",
                          "u@[127.0.0.1]", "o'neil@b.test"})
        CHECK(is_valid_address(a));
    for (const char* a : {"", "bob", "bob@", "@b", "a..b@b.test", ".a@b.test", "a@b..test", "a b@b.test",
                          "a@b.test.", "a@-\n.test"})
        CHECK_FALSE(is_valid_address(a));
}

TEST_CASE("folded trace header values are accepted") {
    auto r = decode(
        Bytes(email_with({{"Received", "from a\r\n\tby b"}, {"X-Empty", ""}}, {"bob@b.test"}).message()));
    INFO((r ? "" : r.error().reason));
    CHECK(r.has_value());
}

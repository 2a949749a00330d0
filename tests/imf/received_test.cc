// Our Received field (RFC 5321 4.4) and the RFC 5322 date.
#include <catch2/catch.hpp>

#include "imf/received.h"

using namespace smtpsec::imf;

namespace {

std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

}  // namespace

TEST_CASE("RFC 5322 dates in UTC") {
    CHECK(rfc5322_date(at(1057056757)) == "Tue, 1 Jul 2003 10:52:37 +0000");
    CHECK(rfc5322_date(at(0)) == "Thu, 1 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(at(1709251199)) == "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST_CASE("the Received field, IPv4 and IPv6, with and without optional parts") {
    ReceivedInfo info{"mx.a.test", "192.0.2.1", "mx.b.test", "4F2A", "bob@b.test", "TLSv1.3", at(1057056757)};
    auto r = format_received(info);
    REQUIRE(r);
    CHECK(*r ==
          "Received: from mx.a.test ([192.0.2.1])\r\n"
          "\tby mx.b.test (TLSv1.3) with SMTPSEC id 4F2A\r\n"
          "\tfor <bob@b.test>; Tue, 1 Jul 2003 10:52:37 +0000\r\n");

    ReceivedInfo v6{"", "2001:db8::1", "mx.b.test", "9", "", "", at(1057056757)};
    auto r6 = format_received(v6);
    REQUIRE(r6);
    CHECK(*r6 ==
          "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1])\r\n"
          "\tby mx.b.test with SMTPSEC id 9; Tue, 1 Jul 2003 10:52:37 +0000\r\n");
}

TEST_CASE("values that could break the field are refused") {
    ReceivedInfo base{"mx.a.test", "192.0.2.1", "mx.b.test", "1", "", "", at(0)};
    auto with = [&](auto change) {
        ReceivedInfo i = base;
        change(i);
        return format_received(i);
    };
    CHECK(with([](ReceivedInfo&) {}));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.peer_address = "192.0.2.1\r\nFrom: x"; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.peer_address = ""; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.from_name = "a b"; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.by_name = ""; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.id = "a;b"; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.for_address = "<x>"; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.comment = "a) (b"; }));
    CHECK_FALSE(with([](ReceivedInfo& i) { i.comment = "x\r\ny"; }));
}

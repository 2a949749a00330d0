// The listener's pure limits: connections per source (D7) and the rate limit
// of a connection's log lines (D8).
#include <catch2/catch.hpp>

#include "inbound/log_limiter.h"
#include "inbound/source_limit.h"

using namespace smtpsec;
using inbound::LogLimiter;
using inbound::SourceLimit;

namespace {
std::string source(const char* ip, std::uint16_t port = 1234) {
    return SourceLimit::source_of(*net::Endpoint::parse(ip, port));
}
}  // namespace

TEST_CASE("a source is one IPv4 address or one IPv6 /64", "[inbound][source_limit]") {
    CHECK(source("192.0.2.7") == "192.0.2.7");
    CHECK(source("192.0.2.7", 1) == source("192.0.2.7", 2));
    CHECK(source("192.0.2.7") != source("192.0.2.8"));
    CHECK(source("2001:db8:1:2::1") == "2001:db8:1:2::/64");
    CHECK(source("2001:db8:1:2:ffff:1:2:3") == source("2001:db8:1:2::9"));
    CHECK(source("2001:db8:1:3::1") != source("2001:db8:1:2::1"));
    CHECK(source("::ffff:192.0.2.7") == "192.0.2.7");
}

TEST_CASE("a source holds at most its share; others are not affected", "[inbound][source_limit]") {
    SourceLimit limit(3);
    for (int i = 0; i < 3; ++i) CHECK(limit.admit("a"));
    CHECK_FALSE(limit.admit("a"));
    CHECK(limit.held("a") == 3);
    CHECK(limit.admit("b"));
    limit.release("a");
    CHECK(limit.admit("a"));
    CHECK_FALSE(limit.admit("a"));
    for (int i = 0; i < 3; ++i) limit.release("a");
    CHECK(limit.held("a") == 0);
    limit.release("a");  // more releases than admits change nothing
    CHECK(limit.held("a") == 0);
}

TEST_CASE("a connection's log lines: the first few, then one summary per interval",
          "[inbound][log_limiter]") {
    LogLimiter limiter(3, 10);
    int logged = 0;
    for (int i = 0; i < 1000; ++i) logged += limiter.allow(100.0 + i * 0.001);
    CHECK(logged == 3);
    CHECK_FALSE(limiter.summary(105));  // not an interval yet
    CHECK(limiter.summary(111.0) == std::uint64_t{997});
    CHECK_FALSE(limiter.summary(200));  // nothing left out since
    CHECK_FALSE(limiter.allow(300));
    CHECK(limiter.summary(300, true) == std::uint64_t{1});  // the connection ends
}

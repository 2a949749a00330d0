// RFC 3339 parsing/formatting used for log-list times and failure reasons.
#include <catch2/catch.hpp>

#include "tls/time_text.h"

using namespace smtpsec::tls;
using namespace std::chrono;

TEST_CASE("rfc3339 round-trips whole seconds", "[tls][time]") {
    const auto t = sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{58};
    CHECK(rfc3339(t) == "2024-02-29T23:59:58Z");
    CHECK(parse_rfc3339("2024-02-29T23:59:58Z") == TimePoint(t));
}

TEST_CASE("rfc3339 parses fractions and offsets", "[tls][time]") {
    const auto base = TimePoint(sys_days{year{2022} / 11 / 1} + hours{18} + minutes{54});
    CHECK(parse_rfc3339("2022-11-01T18:54:00.5Z") == base + milliseconds{500});
    CHECK(parse_rfc3339("2022-11-01T20:54:00+02:00") == base);
    CHECK(parse_rfc3339("2022-11-01T17:24:00-01:30") == base);
}

TEST_CASE("rfc3339 rejects malformed text", "[tls][time]") {
    CHECK_FALSE(parse_rfc3339(""));
    CHECK_FALSE(parse_rfc3339("2022-11-01 18:54:00Z"));
    CHECK_FALSE(parse_rfc3339("2022-11-01T18:54:00"));
    CHECK_FALSE(parse_rfc3339("2022-02-30T18:54:00Z"));
    CHECK_FALSE(parse_rfc3339("2022-11-01T18:54:00Zjunk"));
    CHECK_FALSE(parse_rfc3339("2022-11-01T18:54:00.Z"));
}

// RFC 3339 parsing/formatting used for log-list times and failure reasons.
#include <catch2/catch.hpp>

#include <openssl/x509.h>

#include <cstdint>
#include <limits>

#include "tls/pki_helper.h"
#include "tls/time_text.h"
#include "tls/x509_util.h"

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

// Found by tests/fuzz/certificate_fuzzer (UBSan: signed overflow in
// check_embedded_scts): an SCT timestamp, and a certificate date after 2262,
// do not fit the nanosecond TimePoint; they are clamped, not overflowed.
TEST_CASE("times beyond TimePoint's range are clamped", "[tls][time]") {
    CHECK(from_unix_milliseconds(std::numeric_limits<std::uint64_t>::max()) == TimePoint::max());
    CHECK(from_unix_milliseconds(1152923301124766653ull) == TimePoint::max());
    CHECK(from_unix_seconds(253402300799) == TimePoint::max());  // 9999-12-31T23:59:59Z
    CHECK(from_unix_seconds(std::numeric_limits<std::int64_t>::min()) == TimePoint::min());
    CHECK(rfc3339(from_unix_seconds(1700000000)) == "2023-11-14T22:13:20Z");
    CHECK(rfc3339(from_unix_milliseconds(1700000000123)) == "2023-11-14T22:13:20Z");
}

// RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration". Such
// a certificate is valid now; the overflowing conversion made it look expired
// (or not yet valid) depending on where the wrapped value landed.
TEST_CASE("a certificate without a well-defined expiration is within its validity", "[tls][time]") {
    const auto key = smtpsec::testpki::Key::generate(smtpsec::testpki::KeyType::ecdsa_p256);
    const auto cert = smtpsec::testpki::issue(smtpsec::testpki::CertSpec::named("mx.a.test").dns("mx.a.test"),
                                              key, nullptr, key);
    REQUIRE(ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "99991231235959Z") == 1);
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    auto crt = smtpsec::tls::import_der(cert.der());
    REQUIRE(crt.has_value());
    CHECK(not_after(crt->get()) == TimePoint::max());
    CHECK(validity_problem(crt->get(), system_clock::now()) == "");
}

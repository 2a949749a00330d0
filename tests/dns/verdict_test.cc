// The discovery, TLSA and address decisions over classified answers: every
// verdict, and that nothing but provable absence or insecurity allows SMTP.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dns/verdict.h"
#include "dns_test_helpers.h"

using namespace smtpsec::dns;
using smtpsec::dns::testing::answer_of;
using smtpsec::dns::testing::srv_rdata;

namespace {

UniformRandom always_zero() {
    return [](std::uint64_t) { return std::uint64_t{0}; };
}

Discovery decide(const Answer& answer) {
    return decide_discovery("_smtpsec._tcp.x.test", answer, always_zero());
}

}  // namespace

TEST_CASE("secure SRV records: smtpsec, ordered", "[verdict]") {
    const auto d = decide(
        answer_of(Security::secure, 0,
                  {srv_rdata(20, 0, 4650, "late.x.test"), srv_rdata(10, 5, 4651, "early.x.test")}));
    CHECK(d.verdict == Verdict::smtpsec);
    REQUIRE(d.targets.size() == 2);
    CHECK(d.targets[0] == SrvTarget{"early.x.test", 4651, 10, 5});
    CHECK(d.targets[1].host == "late.x.test");
    CHECK(d.records.size() == 2);
    CHECK(d.query == "_smtpsec._tcp.x.test");
    CHECK_FALSE(allows_smtp(d.verdict));
}

TEST_CASE("secure absence: none_secure", "[verdict]") {
    const auto nx = decide(answer_of(Security::secure, 3));
    CHECK(nx.verdict == Verdict::none_secure);
    CHECK_THAT(nx.reason, Catch::Contains("NXDOMAIN"));
    const auto nodata = decide(answer_of(Security::secure, 0));
    CHECK(nodata.verdict == Verdict::none_secure);
    CHECK_THAT(nodata.reason, Catch::Contains("NODATA"));
    CHECK(allows_smtp(nodata.verdict));
}

TEST_CASE("the single target \".\" is none_secure; beside real targets it is skipped", "[verdict]") {
    const auto dot = decide(answer_of(Security::secure, 0, {srv_rdata(0, 0, 0, ".")}));
    CHECK(dot.verdict == Verdict::none_secure);
    CHECK(dot.targets.empty());
    CHECK_THAT(dot.reason, Catch::Contains("\".\""));

    const auto mixed = decide(
        answer_of(Security::secure, 0, {srv_rdata(0, 0, 0, "."), srv_rdata(1, 0, 4650, "mx.x.test")}));
    CHECK(mixed.verdict == Verdict::smtpsec);
    REQUIRE(mixed.targets.size() == 1);
    CHECK(mixed.targets[0].host == "mx.x.test");
}

TEST_CASE("insecure answers: none_insecure whatever they hold", "[verdict]") {
    CHECK(decide(answer_of(Security::insecure, 0, {srv_rdata(0, 0, 4650, "mx.x.test")})).verdict ==
          Verdict::none_insecure);
    CHECK(decide(answer_of(Security::insecure, 3)).verdict == Verdict::none_insecure);
    const auto d = decide(answer_of(Security::insecure, 0, {srv_rdata(0, 0, 4650, "mx.x.test")}));
    CHECK(d.targets.empty());      // never used
    CHECK(d.records.size() == 1);  // shown
    CHECK(allows_smtp(d.verdict));
}

TEST_CASE("bogus, errors and malformed secure data: defer", "[verdict]") {
    const auto bogus = decide(answer_of(Security::bogus, 0, {}, "signature expired"));
    CHECK(bogus.verdict == Verdict::defer);
    CHECK_THAT(bogus.reason, Catch::Contains("bogus") && Catch::Contains("signature expired"));
    const auto servfail = decide(answer_of(Security::error, 2, {}, "SERVFAIL"));
    CHECK(servfail.verdict == Verdict::defer);
    CHECK_THAT(servfail.reason, Catch::Contains("SERVFAIL"));
    const auto timeout = decide(failure("timeout"));
    CHECK(timeout.verdict == Verdict::defer);
    CHECK_THAT(timeout.reason, Catch::Contains("timeout"));
    auto broken = srv_rdata(0, 0, 4650, "mx.x.test");
    broken.pop_back();
    const auto malformed = decide(
        answer_of(Security::secure, 0, {srv_rdata(0, 0, 4650, "ok.x.test"), broken}));
    CHECK(malformed.verdict == Verdict::defer);
    CHECK(malformed.targets.empty());
    CHECK_THAT(malformed.reason, Catch::Contains("malformed"));
    CHECK_FALSE(allows_smtp(Verdict::defer));
}

TEST_CASE("TLSA decisions", "[verdict]") {
    const std::vector<std::uint8_t> rr{3, 1, 1, 0x01, 0x02};
    const auto secure = decide_tlsa("_4650._tcp.mx.x.test", answer_of(Security::secure, 0, {rr}));
    CHECK(secure.verdict == TlsaVerdict::secure);
    REQUIRE(secure.records.size() == 1);
    CHECK(secure.records[0].usage == 3);
    CHECK(secure.records[0].data == std::vector<std::uint8_t>{1, 2});
    CHECK(decide_tlsa("q", answer_of(Security::secure, 3)).verdict == TlsaVerdict::none_secure);
    CHECK(decide_tlsa("q", answer_of(Security::secure, 0)).verdict == TlsaVerdict::none_secure);
    const auto insecure = decide_tlsa("q", answer_of(Security::insecure, 0, {rr}));
    CHECK(insecure.verdict == TlsaVerdict::insecure);
    CHECK(insecure.records.empty());
    CHECK(decide_tlsa("q", answer_of(Security::bogus, 0, {rr}, "x")).verdict == TlsaVerdict::defer);
    CHECK(decide_tlsa("q", failure("timeout")).verdict == TlsaVerdict::defer);
    CHECK(decide_tlsa("q", answer_of(Security::secure, 0, {{3, 1}})).verdict == TlsaVerdict::defer);
}

TEST_CASE("address decisions", "[verdict]") {
    const auto v4 = decide_addresses(answer_of(Security::secure, 0, {{127, 0, 0, 2}, {127, 0, 0, 3}}),
                                     AddressFamily::ipv4);
    CHECK(v4.security == Security::secure);
    REQUIRE(v4.addresses.size() == 2);
    CHECK(v4.addresses[1].to_string() == "127.0.0.3");
    const auto insecure = decide_addresses(answer_of(Security::insecure, 0, {{10, 0, 0, 1}}),
                                           AddressFamily::ipv4);
    CHECK(insecure.security == Security::insecure);
    CHECK(insecure.addresses.size() == 1);
    const auto bogus = decide_addresses(answer_of(Security::bogus, 0, {{10, 0, 0, 1}}, "bad"),
                                        AddressFamily::ipv4);
    CHECK(bogus.security == Security::bogus);
    CHECK(bogus.addresses.empty());
    const auto malformed = decide_addresses(answer_of(Security::secure, 0, {{1, 2, 3, 4}}),
                                            AddressFamily::ipv6);
    CHECK(malformed.security == Security::error);
    CHECK(malformed.addresses.empty());
}

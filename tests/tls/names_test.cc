// Name rule of points 21/22: dNSName of D (GnuTLS) or SRVName _smtpsec.<domain>
// (our own subjectAltName parsing, recipe 4).
#include <catch2/catch.hpp>

#include "tls/names.h"
#include "tls/pki_helper.h"
#include "tls/x509_util.h"

using namespace smtpsec;
using namespace smtpsec::tls;

namespace {

X509Crt leaf_with(const testpki::CertSpec& spec) {
    static const testpki::Key key = testpki::Key::generate(testpki::KeyType::ecdsa_p256);
    const auto cert = testpki::issue(spec, key, nullptr, key);
    auto crt = import_der(cert.der());
    REQUIRE(crt.has_value());
    return std::move(crt).value();
}

}  // namespace

TEST_CASE("SRVNames are read from the subjectAltName", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("x").dns("mx.a.test").srv("_smtpsec.a.test").srv("_imaps.a.test"));
    CHECK(srv_names_of(crt.get()) == std::vector<std::string>{"_smtpsec.a.test", "_imaps.a.test"});
    CHECK(srv_names_of(leaf_with(testpki::CertSpec::named("x").dns("mx.a.test")).get()).empty());
}

TEST_CASE("dNSName of D matches first, then the SRVName", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("x").dns("mx.a.test").srv("_smtpsec.a.test"));
    auto by_host = match_name(crt.get(), "MX.A.test.", "a.test");
    REQUIRE(by_host);
    CHECK(by_host->kind == NameKind::dns_name);
    CHECK(by_host->name == "mx.a.test");

    auto by_srv = match_name(crt.get(), "mx.elsewhere.test", "A.Test.");
    REQUIRE(by_srv);
    CHECK(by_srv->kind == NameKind::srv_name);
    CHECK(by_srv->name == "_smtpsec.a.test");

    CHECK_FALSE(match_name(crt.get(), "mx.elsewhere.test", "b.test"));
    CHECK_FALSE(match_name(crt.get(), "", ""));
}

TEST_CASE("SRVName comparison is case-insensitive", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("x").srv("_SMTPsec.A.TEST"));
    auto match = match_name(crt.get(), "mx.hosting.test", "a.test");
    REQUIRE(match);
    CHECK(match->name == "_smtpsec.a.test");
}

TEST_CASE("an SRVName for another service or with a NUL does not match", "[tls][names]") {
    CHECK_FALSE(match_name(leaf_with(testpki::CertSpec::named("x").srv("_imaps.a.test")).get(), "h.test", "a.test"));
    CHECK_FALSE(match_name(leaf_with(testpki::CertSpec::named("x").srv("_smtpsec.a.test.evil.test")).get(),
                           "h.test", "a.test"));
    const std::string with_nul("_smtpsec.a.test\0.evil.test", 26);
    const auto crt = leaf_with(testpki::CertSpec::named("x").srv(with_nul));
    CHECK(srv_names_of(crt.get()).empty());
    CHECK_FALSE(match_name(crt.get(), "h.test", "a.test"));
}

TEST_CASE("a wildcard dNSName covers one label", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("x").dns("*.b.test"));
    CHECK(match_name(crt.get(), "mx.b.test", "b.test"));
    CHECK_FALSE(match_name(crt.get(), "a.mx.b.test", "b.test"));
}

TEST_CASE("the CN is not a fallback name when SRVName is present", "[tls][names]") {
    // Recipe 4: Debian's GnuTLS no longer falls back to the CN for such certificates.
    const auto crt = leaf_with(testpki::CertSpec::named("mx.a.test").srv("_smtpsec.a.test"));
    CHECK_FALSE(match_name(crt.get(), "mx.a.test", "other.test"));
}

// Found by tests/fuzz/certificate_fuzzer: D is a host name from SRV records,
// but GnuTLS's hostname check also compares an IP-address-shaped D with the
// certificate's iPAddress entries, so a certificate that names no host at all
// was accepted for the target "192.0.2.1".
TEST_CASE("an iPAddress entry is not a host name D", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("SMTPsec test IP").ip("192.0.2.1").ip("2001:db8::1"));
    CHECK_FALSE(match_name(crt.get(), "192.0.2.1", "a.test"));
    CHECK_FALSE(match_name(crt.get(), "2001:db8::1", "a.test"));
    // A dNSName that looks like an address is still a dNSName.
    const auto named = leaf_with(testpki::CertSpec::named("x").dns("mx.a.test").ip("192.0.2.1"));
    CHECK(match_name(named.get(), "mx.a.test", "a.test"));
}

// Found by tests/fuzz/certificate_fuzzer: GnuTLS let "*.mail.a.test" cover
// "sm|p.mail.a.test"; a D that is not a host name matches no dNSName.
TEST_CASE("a target that is not a host name matches no dNSName", "[tls][names]") {
    const auto crt = leaf_with(testpki::CertSpec::named("x").dns("*.mail.a.test").dns("mx.a.test"));
    CHECK(match_name(crt.get(), "smtp.mail.a.test", "a.test"));
    for (const char* d : {"sm|p.mail.a.test", "_x.mail.a.test", "sm p.mail.a.test", "-x.mail.a.test",
                          "mx..a.test", "x.mail.a.test\\"}) {
        INFO(d);
        CHECK_FALSE(match_name(crt.get(), d, "a.test"));
    }
}

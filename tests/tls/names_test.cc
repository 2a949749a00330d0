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

// Name rule of docs/decisions.md points 21/22: dNSName of D (GnuTLS) or
// SRVName _smtpsec.<domain> (our own subjectAltName parsing: GnuTLS does not
// check SRVName).
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
    const auto crt = leaf_with(
        testpki::CertSpec::named("x").dns("mx.a.test").srv("_smtpsec.a.test").srv("_imaps.a.test"));
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
    CHECK_FALSE(
        match_name(leaf_with(testpki::CertSpec::named("x").srv("_imaps.a.test")).get(), "h.test", "a.test"));
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

// Found by the certificate fuzzer: the otherName's [0] wrapper says 1 byte
// and holds 17. libtasn1 read _smtpsec.a.test out of it anyway; OpenSSL
// refuses the extension. A name is taken only from canonical DER.
TEST_CASE("an SRVName inside a malformed subjectAltName is not read", "[tls][names]") {
    const std::string hex =
        "3082027330820218a00302010202085c55578f5eb19b77300a06082a8648ce3d04030230243122302006035504030c19"
        "534d5450736563205465737420496e7465726d656469617465301e170d3236313230353233353031395a170d32373033"
        "30363030353031395a30143112301006035504030c096d782e612e746573743059301306072a8648ce3d020106082a86"
        "48ce3d03010703420004b6bd0d116b5dc963be1dcc7ddd59e8938f56ffa13202083e48b9618a8fe68d92c800221295ea"
        "edb335605dd3dd7345814a9a219363635bd0bfdb5aa945c35515a38201423082013e300c0603551d130101ff04023000"
        "300e0603551d0f0101ff040403020780301d0603551d250416301406082b0601050507030106082b0307050106050230"
        "1d0603551d0e041604144860bf8051708b1302bb93c00a535465632fda01301f0603551d23041830168014c424fb91ae"
        "dec3909f8f623db544f451776d9fa830330603551d11042c302a82096d782e232e74657374a01d06082b060105050708"
        "07a001160f5f736d74707365632e612e74657374308189060a2b06010401d679020402047b04790077007500f9068cfc"
        "27c6abf2c5a38da2535cabfae1c4c791615a9f7373d193e3532ddefe000001a2481d0f0101ff040403020780301d0603"
        "551d250416301437dd57b03b58960031bb4956e14379ab6f376cff750b68022034cd83a49eae2ae0ddd1366ddd0a8c9b"
        "5869d1041b67b6829f247fc1141c1159300a06082a8648ce3d0403020349003046022100d0e4d2b31088d523760f5897"
        "324be7fdc63ec2828b32a649cc78441197ddfa3d0221e400230301010000000000000000000000000000000000000000"
        "00000000000000";
    std::vector<std::uint8_t> der;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        der.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    auto crt = import_der(der);
    REQUIRE(crt);
    CHECK(srv_names_of(crt->get()).empty());
    CHECK_FALSE(match_name(crt->get(), "mx.a.test", "a.test"));
}

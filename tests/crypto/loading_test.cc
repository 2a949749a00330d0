// Loading keys, chains and signing identities from PEM text and files, and every way that must fail.
#include <catch2/catch.hpp>

#include "crypto/test_certificates.h"
#include "smtpsec/signature.h"
#include "test_data.h"
#include "test_files.h"

using namespace smtpsec;
using smtpsec::testing::TempDir;
using smtpsec::testing::write_file;

namespace {

// A two-level PKI: a CA and a leaf it issued, both of `algorithm`.
struct TestPki {
    smtpsec::testing::TestCertificate ca;
    smtpsec::testing::TestCertificate leaf;
};

TestPki make_pki(SignatureAlgorithm algorithm) {
    auto ca = smtpsec::testing::make_test_certificate(algorithm, "Test CA", nullptr, true);
    auto leaf = smtpsec::testing::make_test_certificate(algorithm, "mx.a.test", &ca);
    return {std::move(ca), std::move(leaf)};
}

}  // namespace

TEST_CASE("a PEM chain loads as DER, leaf first", "[crypto][load]") {
    const auto pki = make_pki(SignatureAlgorithm::ecdsa_secp256r1_sha256);
    auto chain = load_certificate_chain_pem(pki.leaf.cert_pem + pki.ca.cert_pem);
    REQUIRE(chain.has_value());
    REQUIRE(chain->size() == 2);
    CHECK((*chain)[0] == pki.leaf.der);
    CHECK((*chain)[1] == pki.ca.der);

    auto single = load_certificate_chain_pem(pki.leaf.cert_pem);
    REQUIRE(single.has_value());
    REQUIRE(single->size() == 1);
    CHECK((*single)[0] == pki.leaf.der);
}

TEST_CASE("chains that cannot be used are refused", "[crypto][load]") {
    const auto pki = make_pki(SignatureAlgorithm::ed25519);
    CHECK_FALSE(load_certificate_chain_pem("").has_value());
    CHECK_FALSE(load_certificate_chain_pem("not a certificate").has_value());
    CHECK_FALSE(load_certificate_chain_pem(pki.leaf.key_pem).has_value());
    // Issuer before the certificate it issued.
    CHECK_FALSE(load_certificate_chain_pem(pki.ca.cert_pem + pki.leaf.cert_pem).has_value());
    // A damaged body.
    std::string damaged = pki.leaf.cert_pem;
    damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
    CHECK_FALSE(load_certificate_chain_pem(damaged).has_value());
}

TEST_CASE("keys load from PEM text", "[crypto][load]") {
    const auto algorithm = GENERATE(from_range(smtpsec::testing::all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto pem = smtpsec::testing::make_test_key_pem(algorithm);
    auto key = SigningKey::from_pem(pem);
    REQUIRE(key.has_value());
    CHECK(key->algorithm() == algorithm);
}

TEST_CASE("key text that is not a usable key is refused", "[crypto][load]") {
    const auto cert = smtpsec::testing::make_test_certificate(SignatureAlgorithm::ed448, "a.test");
    CHECK_FALSE(SigningKey::from_pem("").has_value());
    CHECK_FALSE(
        SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").has_value());
    CHECK_FALSE(SigningKey::from_pem(cert.cert_pem).has_value());
    std::string truncated = cert.key_pem.substr(0, cert.key_pem.size() / 2);
    CHECK_FALSE(SigningKey::from_pem(truncated).has_value());
}

TEST_CASE("file errors name the file", "[crypto][load]") {
    TempDir dir;
    const auto missing = dir.file("no-such-key.pem");
    auto key = SigningKey::from_pem_file(missing);
    REQUIRE_FALSE(key.has_value());
    CHECK_THAT(key.error(), Catch::Contains(missing));

    auto chain = load_certificate_chain_file(dir.file("no-such-chain.pem"));
    REQUIRE_FALSE(chain.has_value());
    CHECK_THAT(chain.error(), Catch::Contains(dir.file("no-such-chain.pem")));

    const auto garbage = dir.file("garbage.pem");
    write_file(garbage, std::string_view("this is not PEM\n"));
    auto bad_key = SigningKey::from_pem_file(garbage);
    REQUIRE_FALSE(bad_key.has_value());
    CHECK_THAT(bad_key.error(), Catch::Contains(garbage));
    auto bad_chain = load_certificate_chain_file(garbage);
    REQUIRE_FALSE(bad_chain.has_value());
    CHECK_THAT(bad_chain.error(), Catch::Contains(garbage));

    const auto pki = make_pki(SignatureAlgorithm::ed25519);
    const auto chain_path = dir.file("chain.pem");
    write_file(chain_path, pki.leaf.cert_pem);
    auto identity = SigningIdentity::load(chain_path, missing);
    REQUIRE_FALSE(identity.has_value());
    CHECK_THAT(identity.error(), Catch::Contains(missing));
    identity = SigningIdentity::load(dir.file("no-chain.pem"), garbage);
    REQUIRE_FALSE(identity.has_value());
    CHECK_THAT(identity.error(), Catch::Contains(dir.file("no-chain.pem")));
}

TEST_CASE("a signing identity loads when the key matches the leaf", "[crypto][load]") {
    const auto algorithm = GENERATE(from_range(smtpsec::testing::all_algorithms));
    CAPTURE(name_of(algorithm));
    TempDir dir;
    const auto pki = make_pki(algorithm);
    write_file(dir.file("chain.pem"), pki.leaf.cert_pem + pki.ca.cert_pem);
    write_file(dir.file("key.pem"), pki.leaf.key_pem);

    auto identity = SigningIdentity::load(dir.file("chain.pem"), dir.file("key.pem"));
    INFO((identity ? std::string() : identity.error()));
    REQUIRE(identity.has_value());
    REQUIRE(identity->chain.size() == 2);
    CHECK(identity->chain[0] == pki.leaf.der);
    CHECK(identity->key.algorithm() == algorithm);

    // What it signs verifies with the leaf it announces.
    const auto message = smtpsec::testing::sample_message();
    auto signature = identity->key.sign(message);
    REQUIRE(signature.has_value());
    auto verifier = VerifyingKey::from_certificate_der(identity->chain[0].span());
    REQUIRE(verifier.has_value());
    CHECK(verifier->verify(algorithm, message, *signature) == VerifyStatus::valid);
}

TEST_CASE("a key that does not match the leaf is refused", "[crypto][load]") {
    TempDir dir;
    const auto pki = make_pki(SignatureAlgorithm::ecdsa_secp384r1_sha384);
    write_file(dir.file("chain.pem"), pki.leaf.cert_pem + pki.ca.cert_pem);

    SECTION("the CA's key: in the chain, but not the leaf's") {
        write_file(dir.file("key.pem"), pki.ca.key_pem);
    }
    SECTION("another key of the same kind") {
        write_file(dir.file("key.pem"),
                   smtpsec::testing::make_test_key_pem(SignatureAlgorithm::ecdsa_secp384r1_sha384));
    }
    SECTION("a key of another kind") {
        write_file(dir.file("key.pem"), smtpsec::testing::make_test_key_pem(SignatureAlgorithm::ed25519));
    }
    auto identity = SigningIdentity::load(dir.file("chain.pem"), dir.file("key.pem"));
    REQUIRE_FALSE(identity.has_value());
    CHECK_THAT(identity.error(), Catch::Contains("does not match"));
    CHECK_THAT(identity.error(), Catch::Contains(dir.file("key.pem")));
}

TEST_CASE("from_parts refuses an empty chain", "[crypto][load]") {
    auto key = SigningKey::from_pem(smtpsec::testing::make_test_key_pem(SignatureAlgorithm::ed25519));
    REQUIRE(key.has_value());
    auto identity = SigningIdentity::from_parts({}, std::move(*key));
    CHECK_FALSE(identity.has_value());
}

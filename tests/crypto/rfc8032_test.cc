// Known answers: RFC 8032 section 7.1, Ed25519 TEST 1 and TEST 2 (fixed key, message, signature).
#include <catch2/catch.hpp>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <string>

#include "crypto/test_certificates.h"
#include "smtpsec/signature.h"

using namespace smtpsec;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// The PKCS#8 (RFC 8410) wrapping of a raw Ed25519 secret, as PEM.
std::string ed25519_pkcs8_pem(const std::vector<std::uint8_t>& secret) {
    auto der = from_hex("302e020100300506032b657004220420");
    der.insert(der.end(), secret.begin(), secret.end());
    const gnutls_datum_t data{der.data(), static_cast<unsigned>(der.size())};
    gnutls_datum_t pem{nullptr, 0};
    REQUIRE(gnutls_pem_base64_encode2("PRIVATE KEY", &data, &pem) == 0);
    std::string text(reinterpret_cast<const char*>(pem.data), pem.size);
    gnutls_free(pem.data);
    return text;
}

struct Vector {
    const char* name;
    const char* secret;
    const char* public_key;
    const char* message;
    const char* signature;
};

const Vector vectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
     "0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2ea"
     "eb4302aeeb00d291612bb0c00"},
};

}  // namespace

TEST_CASE("RFC 8032 Ed25519 test vectors", "[crypto][kat]") {
    for (const auto& v : vectors) {
        CAPTURE(v.name);
        const auto message = from_hex(v.message);
        const auto expected = from_hex(v.signature);
        const auto pem = ed25519_pkcs8_pem(from_hex(v.secret));

        auto key = SigningKey::from_pem(pem);
        REQUIRE(key.has_value());
        CHECK(key->algorithm() == SignatureAlgorithm::ed25519);

        // The public key GnuTLS derives is the vector's (SPKI prefix of RFC 8410).
        auto spki = key->public_key_der();
        REQUIRE(spki.has_value());
        auto expected_spki = from_hex("302a300506032b6570032100");
        const auto public_key = from_hex(v.public_key);
        expected_spki.insert(expected_spki.end(), public_key.begin(), public_key.end());
        CHECK(*spki == expected_spki);

        // Ed25519 is deterministic: our signature is the vector's, byte for byte.
        auto signature = key->sign(message);
        REQUIRE(signature.has_value());
        CHECK(*signature == expected);

        // The vector's signature verifies through a certificate for that key.
        const auto cert = smtpsec::testing::make_test_certificate_for_key(pem, "rfc8032.test");
        auto verifier = VerifyingKey::from_certificate_der(cert.der.span());
        REQUIRE(verifier.has_value());
        CHECK(verifier->verify(SignatureAlgorithm::ed25519, message, expected) == VerifyStatus::valid);
        auto flipped = expected;
        flipped[10] ^= 0x01;
        CHECK(verifier->verify(SignatureAlgorithm::ed25519, message, flipped) == VerifyStatus::bad_signature);
    }
}

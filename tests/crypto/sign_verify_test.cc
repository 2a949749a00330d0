// Sign with our layer, verify with our layer, for every SMTPsec algorithm; and
// every way a signature must fail (docs/decisions.md points 7, 8, 10).
#include <catch2/catch.hpp>

#include "crypto/test_certificates.h"
#include "smtpsec/signature.h"
#include "test_data.h"

using namespace smtpsec;
using smtpsec::testing::all_algorithms;

namespace {

struct KeyPair {
    SigningKey signer;
    VerifyingKey verifier;
};

KeyPair key_pair(SignatureAlgorithm algorithm) {
    const auto cert = smtpsec::testing::make_test_certificate(algorithm, "signer.a.test");
    auto signer = SigningKey::from_pem(cert.key_pem);
    REQUIRE(signer.has_value());
    auto verifier = VerifyingKey::from_certificate_der(cert.der.span());
    REQUIRE(verifier.has_value());
    return {std::move(*signer), std::move(*verifier)};
}

std::vector<std::uint8_t> sign_ok(const SigningKey& key, std::span<const std::uint8_t> message) {
    auto signature = key.sign(message);
    INFO((signature ? std::string() : signature.error()));
    REQUIRE(signature.has_value());
    return std::move(*signature);
}

}  // namespace

TEST_CASE("a signature made by our layer verifies with our layer", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    CHECK(keys.signer.algorithm() == algorithm);
    CHECK(keys.verifier.algorithm() == algorithm);
    CHECK(keys.verifier.fits(algorithm));

    for (const auto& message : {smtpsec::testing::sample_message(), std::vector<std::uint8_t>{},
                                smtpsec::testing::sample_message(5000)}) {
        const auto signature = sign_ok(keys.signer, message);
        CHECK(signature.size() == signature_length(algorithm));
        CHECK(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);
    }
}

TEST_CASE("sign_append grows the buffer by exactly the signature", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();

    std::vector<std::uint8_t> out{0xAA, 0xBB};
    auto appended = keys.signer.sign_append(message, out);
    REQUIRE(appended.has_value());
    CHECK(*appended == signature_length(algorithm));
    REQUIRE(out.size() == 2 + signature_length(algorithm));
    CHECK(out[0] == 0xAA);
    CHECK(out[1] == 0xBB);
    const std::span<const std::uint8_t> signature(out.data() + 2, out.size() - 2);
    CHECK(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);
}

TEST_CASE("a flipped bit in the message or the signature fails", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(keys.signer, message);
    REQUIRE(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);

    // First, last and a middle byte of each, several bit positions.
    for (std::size_t index : {std::size_t{0}, message.size() / 2, message.size() - 1}) {
        for (int bit : {0, 3, 7}) {
            auto changed = message;
            changed[index] ^= static_cast<std::uint8_t>(1u << bit);
            CAPTURE(index, bit);
            CHECK(keys.verifier.verify(algorithm, changed, signature) == VerifyStatus::bad_signature);
        }
    }
    for (std::size_t index :
         {std::size_t{0}, signature.size() / 2 - 1, signature.size() / 2, signature.size() - 1}) {
        for (int bit : {0, 4, 7}) {
            auto changed = signature;
            changed[index] ^= static_cast<std::uint8_t>(1u << bit);
            CAPTURE(index, bit);
            CHECK(keys.verifier.verify(algorithm, message, changed) == VerifyStatus::bad_signature);
        }
    }
    // One byte more or less is a different message.
    auto longer = message;
    longer.push_back('\n');
    CHECK(keys.verifier.verify(algorithm, longer, signature) == VerifyStatus::bad_signature);
    const std::span<const std::uint8_t> shorter(message.data(), message.size() - 1);
    CHECK(keys.verifier.verify(algorithm, shorter, signature) == VerifyStatus::bad_signature);
}

TEST_CASE("Ed448 signatures whose S is not below the group order fail", "[crypto]") {
    // Regression: nettle 3.8 ignores S's most significant byte (the last one),
    // which RFC 8032 5.2.7 requires to be zero; OpenSSL rejects such signatures.
    const auto keys = key_pair(SignatureAlgorithm::ed448);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(keys.signer, message);
    REQUIRE(signature.back() == 0);
    for (unsigned value : {0x01u, 0x80u, 0xFFu}) {
        auto changed = signature;
        changed.back() = static_cast<std::uint8_t>(value);
        CAPTURE(value);
        CHECK(keys.verifier.verify(SignatureAlgorithm::ed448, message, changed) ==
              VerifyStatus::bad_signature);
    }
}

TEST_CASE("an all-zero signature of the right length fails", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();
    const std::vector<std::uint8_t> zeros(signature_length(algorithm), 0);
    CHECK(keys.verifier.verify(algorithm, message, zeros) == VerifyStatus::bad_signature);
    const std::vector<std::uint8_t> ones(signature_length(algorithm), 0xFF);
    CHECK(keys.verifier.verify(algorithm, message, ones) == VerifyStatus::bad_signature);
}

TEST_CASE("a signature of the wrong length is refused before verifying", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(keys.signer, message);

    auto longer = signature;
    longer.push_back(0);
    CHECK(keys.verifier.verify(algorithm, message, longer) == VerifyStatus::wrong_length);
    const std::span<const std::uint8_t> shorter(signature.data(), signature.size() - 1);
    CHECK(keys.verifier.verify(algorithm, message, shorter) == VerifyStatus::wrong_length);
    CHECK(keys.verifier.verify(algorithm, message, {}) == VerifyStatus::wrong_length);
    // A DER-encoded ECDSA signature is not the SMTPsec form, even when valid.
    std::vector<std::uint8_t> doubled = signature;
    doubled.insert(doubled.end(), signature.begin(), signature.end());
    CHECK(keys.verifier.verify(algorithm, message, doubled) == VerifyStatus::wrong_length);
}

TEST_CASE("a key used with another algorithm is a mismatch", "[crypto]") {
    const auto key_algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(key_algorithm));
    const auto keys = key_pair(key_algorithm);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(keys.signer, message);

    for (const auto other : all_algorithms) {
        if (other == key_algorithm) continue;
        CAPTURE(name_of(other));
        CHECK_FALSE(keys.verifier.fits(other));
        // Whatever the length, the mismatch is what is reported.
        const std::vector<std::uint8_t> sized(signature_length(other), 1);
        CHECK(keys.verifier.verify(other, message, sized) == VerifyStatus::algorithm_mismatch);
        CHECK(keys.verifier.verify(other, message, signature) == VerifyStatus::algorithm_mismatch);
    }
}

TEST_CASE("a signature by another key of the same kind fails", "[crypto]") {
    const auto algorithm = GENERATE(from_range(all_algorithms));
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto other = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(other.signer, message);
    CHECK(other.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);
    CHECK(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::bad_signature);
}

TEST_CASE("P-521 signatures are 132 bytes even when r or s is short", "[crypto][ecdsa]") {
    constexpr auto algorithm = SignatureAlgorithm::ecdsa_secp521r1_sha512;
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();

    // r and s are below 2^521; about half of them are below 2^520, when GnuTLS
    // returns 65 bytes or fewer. 64 signatures make missing that case
    // practically impossible (4^-64).
    int short_values = 0;
    for (int i = 0; i < 64; ++i) {
        const auto signature = sign_ok(keys.signer, message);
        REQUIRE(signature.size() == 132);
        CHECK(signature[0] <= 1);
        CHECK(signature[66] <= 1);
        short_values += (signature[0] == 0) + (signature[66] == 0);
        CHECK(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);
    }
    CHECK(short_values > 0);
}

TEST_CASE("ECDSA signatures whose r or s has the top bit set keep their width", "[crypto][ecdsa]") {
    // For P-256 and P-384 about half the values need a leading zero in DER
    // (33 or 49 bytes from GnuTLS); the fixed form must drop it.
    const auto algorithm = GENERATE(SignatureAlgorithm::ecdsa_secp256r1_sha256,
                                    SignatureAlgorithm::ecdsa_secp384r1_sha384);
    CAPTURE(name_of(algorithm));
    const auto keys = key_pair(algorithm);
    const auto message = smtpsec::testing::sample_message();
    const std::size_t half = signature_length(algorithm) / 2;
    int high_bit_values = 0;
    for (int i = 0; i < 32; ++i) {
        const auto signature = sign_ok(keys.signer, message);
        REQUIRE(signature.size() == 2 * half);
        high_bit_values += (signature[0] >= 0x80) + (signature[half] >= 0x80);
        CHECK(keys.verifier.verify(algorithm, message, signature) == VerifyStatus::valid);
    }
    CHECK(high_bit_values > 0);
}

TEST_CASE("keys SMTPsec does not list are refused for signing and fit nothing", "[crypto]") {
    const auto cert = smtpsec::testing::make_test_certificate_for_key(
        smtpsec::testing::make_test_rsa_key_pem(), "rsa.a.test");
    const auto signer = SigningKey::from_pem(cert.key_pem);
    REQUIRE_FALSE(signer.has_value());
    CHECK_THAT(signer.error(), Catch::Contains("RSA"));

    const auto verifier = VerifyingKey::from_certificate_der(cert.der.span());
    REQUIRE(verifier.has_value());
    CHECK_FALSE(verifier->algorithm().has_value());
    const auto message = smtpsec::testing::sample_message();
    for (const auto algorithm : all_algorithms) {
        CHECK_FALSE(verifier->fits(algorithm));
        const std::vector<std::uint8_t> sized(signature_length(algorithm), 1);
        CHECK(verifier->verify(algorithm, message, sized) == VerifyStatus::algorithm_mismatch);
    }
}

TEST_CASE("a certificate that does not parse gives no verifying key", "[crypto]") {
    const auto cert = smtpsec::testing::make_test_certificate(SignatureAlgorithm::ed25519, "a.test");
    const auto der = cert.der.span();
    CHECK_FALSE(VerifyingKey::from_certificate_der({}).has_value());
    CHECK_FALSE(VerifyingKey::from_certificate_der(der.first(der.size() / 2)).has_value());
    CHECK_FALSE(VerifyingKey::from_certificate_der(smtpsec::testing::as_bytes(cert.cert_pem)).has_value());
    CHECK(VerifyingKey::from_certificate_der(der).has_value());
}

TEST_CASE("a verifying key keeps working after a move", "[crypto]") {
    auto keys = key_pair(SignatureAlgorithm::ed25519);
    const auto message = smtpsec::testing::sample_message();
    const auto signature = sign_ok(keys.signer, message);
    VerifyingKey moved = std::move(keys.verifier);
    SigningKey moved_signer = std::move(keys.signer);
    CHECK(moved.verify(SignatureAlgorithm::ed25519, message, signature) == VerifyStatus::valid);
    CHECK(moved.verify(SignatureAlgorithm::ed25519, message, sign_ok(moved_signer, message)) ==
          VerifyStatus::valid);
}

TEST_CASE("verify statuses have names for logs", "[crypto]") {
    CHECK(name_of(VerifyStatus::valid) == "valid");
    CHECK(name_of(VerifyStatus::bad_signature) == "bad_signature");
    CHECK(name_of(VerifyStatus::algorithm_mismatch) == "algorithm_mismatch");
    CHECK(name_of(VerifyStatus::wrong_length) == "wrong_length");
}

// Maps GnuTLS key types and curves to SMTPsec signature algorithms
// (docs/decisions.md point 7).
#include "crypto/key_algorithm.h"

namespace smtpsec::crypto {
namespace {

std::optional<SignatureAlgorithm> from_type(int pk, gnutls_ecc_curve_t curve) {
    switch (pk) {
    case GNUTLS_PK_EDDSA_ED25519: return SignatureAlgorithm::ed25519;
    case GNUTLS_PK_EDDSA_ED448: return SignatureAlgorithm::ed448;
    case GNUTLS_PK_ECDSA:
        switch (curve) {
        case GNUTLS_ECC_CURVE_SECP256R1: return SignatureAlgorithm::ecdsa_secp256r1_sha256;
        case GNUTLS_ECC_CURVE_SECP384R1: return SignatureAlgorithm::ecdsa_secp384r1_sha384;
        case GNUTLS_ECC_CURVE_SECP521R1: return SignatureAlgorithm::ecdsa_secp521r1_sha512;
        default: return std::nullopt;
        }
    default: return std::nullopt;
    }
}

}  // namespace

std::optional<SignatureAlgorithm> algorithm_of(gnutls_privkey_t key) {
    const int pk = gnutls_privkey_get_pk_algorithm(key, nullptr);
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    // Only ECDSA needs the curve: the EdDSA key types name theirs.
    if (pk == GNUTLS_PK_ECDSA &&
        gnutls_privkey_export_ecc_raw2(key, &curve, nullptr, nullptr, nullptr, 0) < 0)
        return std::nullopt;
    return from_type(pk, curve);
}

std::optional<SignatureAlgorithm> algorithm_of(gnutls_pubkey_t key) {
    const int pk = gnutls_pubkey_get_pk_algorithm(key, nullptr);
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (pk == GNUTLS_PK_ECDSA && gnutls_pubkey_export_ecc_raw2(key, &curve, nullptr, nullptr, 0) < 0)
        return std::nullopt;
    return from_type(pk, curve);
}

gnutls_sign_algorithm_t gnutls_sign_of(SignatureAlgorithm algorithm) {
    switch (algorithm) {
    case SignatureAlgorithm::ecdsa_secp256r1_sha256: return GNUTLS_SIGN_ECDSA_SECP256R1_SHA256;
    case SignatureAlgorithm::ecdsa_secp384r1_sha384: return GNUTLS_SIGN_ECDSA_SECP384R1_SHA384;
    case SignatureAlgorithm::ecdsa_secp521r1_sha512: return GNUTLS_SIGN_ECDSA_SECP521R1_SHA512;
    case SignatureAlgorithm::ed25519: return GNUTLS_SIGN_EDDSA_ED25519;
    case SignatureAlgorithm::ed448: return GNUTLS_SIGN_EDDSA_ED448;
    }
    return GNUTLS_SIGN_UNKNOWN;
}

std::size_t ecdsa_scalar_size(SignatureAlgorithm algorithm) {
    switch (algorithm) {
    case SignatureAlgorithm::ecdsa_secp256r1_sha256: return 32;
    case SignatureAlgorithm::ecdsa_secp384r1_sha384: return 48;
    case SignatureAlgorithm::ecdsa_secp521r1_sha512: return 66;
    case SignatureAlgorithm::ed25519:
    case SignatureAlgorithm::ed448: return 0;
    }
    return 0;
}

}  // namespace smtpsec::crypto

// VerifyingKey: a leaf certificate's public key, imported once, checking Email signatures.
#include <climits>

#include "crypto/ecdsa_rs.h"
#include "crypto/gnutls_handles.h"
#include "crypto/key_algorithm.h"
#include "smtpsec/signature.h"

namespace smtpsec {
namespace {

// RFC 8032 5.2.7 rejects an Ed448 S that is not below the group order L < 2^446,
// so S's last (most significant, little-endian) byte is always zero. Nettle
// 3.8 (Debian 12) reads only 56 of S's 57 bytes and would accept any value
// there: 255 other valid-looking signatures per signature, and a verdict that
// differs from OpenSSL's. Checked here so every implementation agrees.
bool ed448_s_in_range(std::span<const std::uint8_t> signature) { return signature.back() == 0; }

}  // namespace

void VerifyingKey::Deleter::operator()(gnutls_pubkey_st* key) const { gnutls_pubkey_deinit(key); }

VerifyingKey::VerifyingKey(std::unique_ptr<gnutls_pubkey_st, Deleter> key,
                           std::optional<SignatureAlgorithm> algorithm)
    : key_(std::move(key)), algorithm_(algorithm) {}
VerifyingKey::VerifyingKey(VerifyingKey&&) noexcept = default;
VerifyingKey& VerifyingKey::operator=(VerifyingKey&&) noexcept = default;
VerifyingKey::~VerifyingKey() = default;

Expected<VerifyingKey, std::string> VerifyingKey::from_certificate_der(std::span<const std::uint8_t> der) {
    crypto::X509Crt crt;
    {
        gnutls_x509_crt_t raw = nullptr;
        if (int rc = gnutls_x509_crt_init(&raw); rc < 0)
            return Unexpected{crypto::gnutls_error("certificate", rc)};
        crt.reset(raw);
    }
    const gnutls_datum_t data = crypto::datum_of(der);
    if (int rc = gnutls_x509_crt_import(crt.get(), &data, GNUTLS_X509_FMT_DER); rc < 0)
        return Unexpected{crypto::gnutls_error("certificate", rc)};

    gnutls_pubkey_t raw = nullptr;
    if (int rc = gnutls_pubkey_init(&raw); rc < 0) return Unexpected{crypto::gnutls_error("public key", rc)};
    std::unique_ptr<gnutls_pubkey_st, Deleter> key(raw);
    if (int rc = gnutls_pubkey_import_x509(key.get(), crt.get(), 0); rc < 0)
        return Unexpected{crypto::gnutls_error("certificate public key", rc)};

    const auto algorithm = crypto::algorithm_of(key.get());
    return VerifyingKey(std::move(key), algorithm);
}

VerifyStatus VerifyingKey::verify(SignatureAlgorithm algorithm, std::span<const std::uint8_t> message,
                                  std::span<const std::uint8_t> signature) const {
    if (!fits(algorithm)) return VerifyStatus::algorithm_mismatch;
    if (signature.size() != signature_length(algorithm)) return VerifyStatus::wrong_length;
    // A message GnuTLS cannot take in one datum cannot have been signed by a peer either.
    if (message.size() > UINT_MAX) return VerifyStatus::bad_signature;

    if (algorithm == SignatureAlgorithm::ed448 && !ed448_s_in_range(signature))
        return VerifyStatus::bad_signature;

    const gnutls_datum_t data = crypto::datum_of(message);
    const gnutls_sign_algorithm_t sign = crypto::gnutls_sign_of(algorithm);
    int rc = 0;
    if (crypto::ecdsa_scalar_size(algorithm) != 0) {
        crypto::OwnedDatum der;
        if (!crypto::der_from_fixed(signature, der)) return VerifyStatus::bad_signature;
        rc = gnutls_pubkey_verify_data2(key_.get(), sign, 0, &data, &der.get());
    } else {
        const gnutls_datum_t sig = crypto::datum_of(signature);
        rc = gnutls_pubkey_verify_data2(key_.get(), sign, 0, &data, &sig);
    }
    return rc >= 0 ? VerifyStatus::valid : VerifyStatus::bad_signature;
}

std::string_view name_of(VerifyStatus status) {
    switch (status) {
    case VerifyStatus::valid: return "valid";
    case VerifyStatus::bad_signature: return "bad_signature";
    case VerifyStatus::algorithm_mismatch: return "algorithm_mismatch";
    case VerifyStatus::wrong_length: return "wrong_length";
    }
    return "unknown";
}

}  // namespace smtpsec

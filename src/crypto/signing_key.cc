// SigningKey: one imported GnuTLS private key, signing Emails in SMTPsec's fixed-width form.
#include <climits>

#include "crypto/ecdsa_rs.h"
#include "crypto/gnutls_handles.h"
#include "crypto/key_algorithm.h"
#include "crypto/read_file.h"
#include "smtpsec/signature.h"

namespace smtpsec {

void SigningKey::Deleter::operator()(gnutls_privkey_st* key) const { gnutls_privkey_deinit(key); }

SigningKey::SigningKey(std::unique_ptr<gnutls_privkey_st, Deleter> key, SignatureAlgorithm algorithm)
    : key_(std::move(key)), algorithm_(algorithm) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

Expected<SigningKey, std::string> SigningKey::from_pem(std::string_view pem) {
    gnutls_privkey_t raw = nullptr;
    if (int rc = gnutls_privkey_init(&raw); rc < 0)
        return Unexpected{crypto::gnutls_error("private key", rc)};
    std::unique_ptr<gnutls_privkey_st, Deleter> key(raw);

    const gnutls_datum_t data = crypto::datum_of(pem);
    // Accepts unencrypted PKCS#8 and SEC1; no password, so an encrypted key fails here.
    if (int rc = gnutls_privkey_import_x509_raw(key.get(), &data, GNUTLS_X509_FMT_PEM, nullptr, 0); rc < 0)
        return Unexpected{crypto::gnutls_error("private key", rc)};

    const auto algorithm = crypto::algorithm_of(key.get());
    if (!algorithm) {
        const int pk = gnutls_privkey_get_pk_algorithm(key.get(), nullptr);
        const char* name = gnutls_pk_get_name(static_cast<gnutls_pk_algorithm_t>(pk));
        return Unexpected{std::string("private key: type ") + (name ? name : "unknown") +
                          " (or its curve) is not an SMTPsec signature algorithm"};
    }
    return SigningKey(std::move(key), *algorithm);
}

Expected<SigningKey, std::string> SigningKey::from_pem_file(const std::string& path) {
    auto pem = crypto::read_file(path);
    if (!pem) return Unexpected{pem.error()};
    auto key = from_pem(*pem);
    if (!key) return Unexpected{crypto::in_file(path, key.error())};
    return key;
}

Expected<std::size_t, std::string> SigningKey::sign_append(std::span<const std::uint8_t> message,
                                                           std::vector<std::uint8_t>& out) const {
    if (message.size() > UINT_MAX) return Unexpected{std::string("message too large to sign")};
    const gnutls_datum_t data = crypto::datum_of(message);
    crypto::OwnedDatum signature;
    if (int rc = gnutls_privkey_sign_data2(key_.get(), crypto::gnutls_sign_of(algorithm_), 0, &data,
                                           signature.out());
        rc < 0)
        return Unexpected{crypto::gnutls_error("signing", rc)};

    const std::size_t length = signature_length(algorithm_);
    if (const std::size_t scalar = crypto::ecdsa_scalar_size(algorithm_); scalar != 0) {
        if (!crypto::append_fixed_from_der(signature.get(), scalar, out))
            return Unexpected{std::string("signing: GnuTLS returned a malformed ECDSA signature")};
        return length;
    }
    // EdDSA signatures are fixed-width already; the check guards against a
    // GnuTLS that ever answered otherwise.
    if (signature.get().size != length)
        return Unexpected{std::string("signing: GnuTLS returned a signature of the wrong length")};
    const auto bytes = signature.span();
    out.insert(out.end(), bytes.begin(), bytes.end());
    return length;
}

Expected<std::vector<std::uint8_t>, std::string> SigningKey::sign(
    std::span<const std::uint8_t> message) const {
    std::vector<std::uint8_t> out;
    out.reserve(signature_length(algorithm_));
    auto appended = sign_append(message, out);
    if (!appended) return Unexpected{appended.error()};
    return out;
}

Expected<std::vector<std::uint8_t>, std::string> SigningKey::public_key_der() const {
    crypto::Pubkey pub;
    {
        gnutls_pubkey_t raw = nullptr;
        if (int rc = gnutls_pubkey_init(&raw); rc < 0)
            return Unexpected{crypto::gnutls_error("public key", rc)};
        pub.reset(raw);
    }
    if (int rc = gnutls_pubkey_import_privkey(pub.get(), key_.get(), 0, 0); rc < 0)
        return Unexpected{crypto::gnutls_error("public key of the private key", rc)};
    crypto::OwnedDatum der;
    if (int rc = gnutls_pubkey_export2(pub.get(), GNUTLS_X509_FMT_DER, der.out()); rc < 0)
        return Unexpected{crypto::gnutls_error("public key export", rc)};
    const auto bytes = der.span();
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace smtpsec

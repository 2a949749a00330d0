// SigningIdentity: the chain a gateway announces and the key that signs for it, checked to belong together.
#include "smtpsec/signature.h"

#include "crypto/gnutls_handles.h"
#include "crypto/read_file.h"

namespace smtpsec {
namespace {

Expected<std::vector<std::uint8_t>, std::string> leaf_public_key_der(const Certificate& leaf) {
    crypto::X509Crt crt;
    crypto::Pubkey pub;
    {
        gnutls_x509_crt_t raw_crt = nullptr;
        if (int rc = gnutls_x509_crt_init(&raw_crt); rc < 0)
            return Unexpected{crypto::gnutls_error("leaf certificate", rc)};
        crt.reset(raw_crt);
        gnutls_pubkey_t raw_pub = nullptr;
        if (int rc = gnutls_pubkey_init(&raw_pub); rc < 0)
            return Unexpected{crypto::gnutls_error("leaf certificate", rc)};
        pub.reset(raw_pub);
    }
    const gnutls_datum_t data = crypto::datum_of(leaf.span());
    if (int rc = gnutls_x509_crt_import(crt.get(), &data, GNUTLS_X509_FMT_DER); rc < 0)
        return Unexpected{crypto::gnutls_error("leaf certificate", rc)};
    if (int rc = gnutls_pubkey_import_x509(pub.get(), crt.get(), 0); rc < 0)
        return Unexpected{crypto::gnutls_error("leaf certificate public key", rc)};
    crypto::OwnedDatum der;
    if (int rc = gnutls_pubkey_export2(pub.get(), GNUTLS_X509_FMT_DER, der.out()); rc < 0)
        return Unexpected{crypto::gnutls_error("leaf certificate public key", rc)};
    const auto bytes = der.span();
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace

Expected<SigningIdentity, std::string> SigningIdentity::from_parts(CertificateChain chain, SigningKey key) {
    if (chain.empty()) return Unexpected{std::string("certificate chain: no certificate")};
    // Both sides go through GnuTLS's SubjectPublicKeyInfo export, so equal keys
    // give equal bytes whatever encoding the certificate used.
    auto leaf_key = leaf_public_key_der(chain.front());
    if (!leaf_key) return Unexpected{leaf_key.error()};
    auto own_key = key.public_key_der();
    if (!own_key) return Unexpected{own_key.error()};
    if (*leaf_key != *own_key)
        return Unexpected{
            std::string("the private key does not match the public key of the chain's leaf certificate")};
    return SigningIdentity{std::move(chain), std::move(key)};
}

Expected<SigningIdentity, std::string> SigningIdentity::load(const std::string& chain_pem_path,
                                                             const std::string& key_pem_path) {
    auto chain = load_certificate_chain_file(chain_pem_path);
    if (!chain) return Unexpected{chain.error()};
    auto key = SigningKey::from_pem_file(key_pem_path);
    if (!key) return Unexpected{key.error()};
    auto identity = from_parts(std::move(*chain), std::move(*key));
    if (!identity)
        return Unexpected{identity.error() + " (chain " + chain_pem_path + ", key " + key_pem_path + ")"};
    return identity;
}

}  // namespace smtpsec

// In-memory key and certificate generation for tests and benchmarks (see the header).
#include "crypto/test_certificates.h"

#include <gnutls/crypto.h>

#include <array>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "crypto/gnutls_handles.h"

namespace smtpsec::testing {
namespace {

struct X509PrivkeyDeleter {
    void operator()(gnutls_x509_privkey_int* key) const { gnutls_x509_privkey_deinit(key); }
};
using X509Privkey = std::unique_ptr<gnutls_x509_privkey_int, X509PrivkeyDeleter>;

void check(int rc, const char* what) {
    if (rc < 0) throw std::runtime_error(crypto::gnutls_error(what, rc));
}

X509Privkey new_x509_privkey() {
    gnutls_x509_privkey_t raw = nullptr;
    check(gnutls_x509_privkey_init(&raw), "gnutls_x509_privkey_init");
    return X509Privkey(raw);
}

X509Privkey import_key(const std::string& pem) {
    auto key = new_x509_privkey();
    const gnutls_datum_t data = crypto::datum_of(pem);
    check(gnutls_x509_privkey_import2(key.get(), &data, GNUTLS_X509_FMT_PEM, nullptr, 0), "import test key");
    return key;
}

crypto::Privkey abstract_key(const std::string& pem) {
    gnutls_privkey_t raw = nullptr;
    check(gnutls_privkey_init(&raw), "gnutls_privkey_init");
    crypto::Privkey key(raw);
    const gnutls_datum_t data = crypto::datum_of(pem);
    check(gnutls_privkey_import_x509_raw(key.get(), &data, GNUTLS_X509_FMT_PEM, nullptr, 0),
          "import test key");
    return key;
}

crypto::X509Crt new_crt() {
    gnutls_x509_crt_t raw = nullptr;
    check(gnutls_x509_crt_init(&raw), "gnutls_x509_crt_init");
    return crypto::X509Crt(raw);
}

std::string pkcs8_pem(gnutls_x509_privkey_t key) {
    crypto::OwnedDatum pem;
    check(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, pem.out()),
          "export test key");
    return std::string(reinterpret_cast<const char*>(pem.get().data), pem.get().size);
}

std::string generate(gnutls_pk_algorithm_t pk, unsigned bits) {
    auto key = new_x509_privkey();
    check(gnutls_x509_privkey_generate2(key.get(), pk, bits, 0, nullptr, 0), "generate test key");
    return pkcs8_pem(key.get());
}

}  // namespace

std::string make_test_key_pem(SignatureAlgorithm algorithm) {
    switch (algorithm) {
    case SignatureAlgorithm::ed25519:
        return generate(GNUTLS_PK_EDDSA_ED25519, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));
    case SignatureAlgorithm::ed448:
        return generate(GNUTLS_PK_EDDSA_ED448, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED448));
    case SignatureAlgorithm::ecdsa_secp256r1_sha256:
        return generate(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1));
    case SignatureAlgorithm::ecdsa_secp384r1_sha384:
        return generate(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
    case SignatureAlgorithm::ecdsa_secp521r1_sha512:
        return generate(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1));
    }
    throw std::runtime_error("make_test_key_pem: unknown algorithm");
}

std::string make_test_rsa_key_pem(unsigned bits) { return generate(GNUTLS_PK_RSA, bits); }

TestCertificate make_test_certificate_for_key(std::string key_pem, std::string_view common_name,
                                              const TestCertificate* issuer, bool ca) {
    auto key = import_key(key_pem);
    auto crt = new_crt();
    check(gnutls_x509_crt_set_version(crt.get(), 3), "set version");

    std::array<unsigned char, 16> serial{};
    check(gnutls_rnd(GNUTLS_RND_NONCE, serial.data(), serial.size()), "serial");
    serial[0] &= 0x7f;  // a positive INTEGER
    check(gnutls_x509_crt_set_serial(crt.get(), serial.data(), serial.size()), "set serial");

    const std::time_t now = std::time(nullptr);
    check(gnutls_x509_crt_set_activation_time(crt.get(), now - 3600), "set activation");
    check(gnutls_x509_crt_set_expiration_time(crt.get(), now + 365L * 24 * 3600), "set expiry");
    const std::string cn(common_name);
    check(gnutls_x509_crt_set_dn_by_oid(crt.get(), GNUTLS_OID_X520_COMMON_NAME, 0, cn.data(),
                                        static_cast<unsigned>(cn.size())),
          "set subject");
    check(gnutls_x509_crt_set_key(crt.get(), key.get()), "set key");
    check(gnutls_x509_crt_set_basic_constraints(crt.get(), ca ? 1 : 0, -1), "basic constraints");
    check(
        gnutls_x509_crt_set_key_usage(crt.get(), ca ? GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN
                                                    : GNUTLS_KEY_DIGITAL_SIGNATURE),
        "key usage");

    std::array<unsigned char, 64> key_id{};
    std::size_t key_id_size = key_id.size();
    check(gnutls_x509_crt_get_key_id(crt.get(), 0, key_id.data(), &key_id_size), "key id");
    check(gnutls_x509_crt_set_subject_key_id(crt.get(), key_id.data(), key_id_size), "subject key id");

    if (issuer) {
        auto issuer_crt = new_crt();
        const gnutls_datum_t issuer_der = crypto::datum_of(issuer->der.span());
        check(gnutls_x509_crt_import(issuer_crt.get(), &issuer_der, GNUTLS_X509_FMT_DER), "import issuer");
        std::array<unsigned char, 64> issuer_id{};
        std::size_t issuer_id_size = issuer_id.size();
        unsigned critical = 0;
        if (gnutls_x509_crt_get_subject_key_id(issuer_crt.get(), issuer_id.data(), &issuer_id_size,
                                               &critical) >= 0)
            check(gnutls_x509_crt_set_authority_key_id(crt.get(), issuer_id.data(), issuer_id_size),
                  "authority key id");
        auto issuer_key = abstract_key(issuer->key_pem);
        check(gnutls_x509_crt_privkey_sign(crt.get(), issuer_crt.get(), issuer_key.get(), GNUTLS_DIG_UNKNOWN,
                                           0),
              "sign certificate");
    } else {
        auto own_key = abstract_key(key_pem);
        check(gnutls_x509_crt_privkey_sign(crt.get(), crt.get(), own_key.get(), GNUTLS_DIG_UNKNOWN, 0),
              "self-sign certificate");
    }

    crypto::OwnedDatum der;
    check(gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_DER, der.out()), "export DER");
    crypto::OwnedDatum pem;
    check(gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_PEM, pem.out()), "export PEM");
    return TestCertificate{
        std::move(key_pem),
        std::string(reinterpret_cast<const char*>(pem.get().data), pem.get().size),
        Bytes::copy_of(der.span()),
    };
}

TestCertificate make_test_certificate(SignatureAlgorithm algorithm, std::string_view common_name,
                                      const TestCertificate* issuer, bool ca) {
    return make_test_certificate_for_key(make_test_key_pem(algorithm), common_name, issuer, ca);
}

}  // namespace smtpsec::testing

// The test PKI helper itself: its files load into GnuTLS credentials (as the
// TLS integration tests will use them) and its SCTs parse with GnuTLS too, so
// the SCT encoding is not only OpenSSL-consistent.
#include <gnutls/gnutls.h>
#include <gnutls/x509-ext.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>

#include "tls/pki_helper.h"
#include "tls/x509_util.h"

using namespace smtpsec;
using testpki::KeyType;

TEST_CASE("leaf certificate and key files load into GnuTLS for every key type", "[tls][pki]") {
    const testpki::TestPki pki;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("smtpsec-pki-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (auto type : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::ed25519,
                      KeyType::ed448, KeyType::rsa2048}) {
        CAPTURE(int(type));
        const auto leaf = pki.leaf({"mx.a.test"}, {"_smtpsec.a.test"}, type);
        const auto files = testpki::TestPki::write(leaf, dir, "leaf");
        gnutls_certificate_credentials_t cred = nullptr;
        REQUIRE(gnutls_certificate_allocate_credentials(&cred) == 0);
        const int rc = gnutls_certificate_set_x509_key_file2(cred, files.cert.c_str(), files.key.c_str(),
                                                             GNUTLS_X509_FMT_PEM, nullptr, 0);
        gnutls_certificate_free_credentials(cred);
        CHECK(rc >= 0);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("embedded SCTs carry the log id and timestamp as GnuTLS reads them", "[tls][pki]") {
    const testpki::TestPki pki;
    const auto when = std::chrono::system_clock::from_time_t(1'700'000'000);
    const auto key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto cert = testpki::issue(
        testpki::CertSpec::named("mx.a.test").dns("mx.a.test").sct({&pki.log, when}), key, &pki.intermediate,
        pki.intermediate_key);
    auto crt = tls::import_der(cert.der());
    REQUIRE(crt.has_value());
    tls::OwnedDatum ext;
    REQUIRE(gnutls_x509_crt_get_extension_by_oid2(crt->get(), "1.3.6.1.4.1.11129.2.4.2", 0, ext.out(),
                                                  nullptr) == 0);
    gnutls_x509_ct_scts_t scts = nullptr;
    REQUIRE(gnutls_x509_ext_ct_scts_init(&scts) == 0);
    REQUIRE(gnutls_x509_ext_ct_import_scts(&ext.get(), scts, 0) == 0);
    time_t timestamp = 0;
    gnutls_datum_t log_id{}, signature{};
    gnutls_sign_algorithm_t algorithm{};
    REQUIRE(gnutls_x509_ct_sct_get(scts, 0, &timestamp, &log_id, &algorithm, &signature) == 0);
    const auto expected_id = pki.log.id();
    CHECK(std::vector<std::uint8_t>(log_id.data, log_id.data + log_id.size) ==
          std::vector<std::uint8_t>(expected_id.begin(), expected_id.end()));
    CHECK(timestamp == 1'700'000'000);
    CHECK(algorithm == GNUTLS_SIGN_ECDSA_SHA256);
    CHECK(gnutls_x509_ct_sct_get(scts, 1, &timestamp, &log_id, &algorithm, &signature) < 0);
    gnutls_free(log_id.data);
    gnutls_free(signature.data);
    gnutls_x509_ext_ct_scts_deinit(scts);
}

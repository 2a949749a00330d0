// Keys and certificates made in memory, for tests and benchmarks only.
//
// Why it exists: tests of this layer and of the layers above it (ClientHello
// chains, origin authentication) need fresh keys of every SMTPsec algorithm
// and certificates for them, self-signed or issued by a test CA, without
// shelling out. Built as its own library (crypto_testing_dep) and never linked
// into the daemon. Set-up failures throw std::runtime_error.
#pragma once

#include <string>
#include <string_view>

#include "smtpsec/bytes.h"
#include "smtpsec/message.h"

namespace smtpsec::testing {

struct TestCertificate {
    std::string key_pem;   // unencrypted PKCS#8
    std::string cert_pem;  // this certificate only
    Bytes der;             // the same certificate, DER
};

// A fresh PKCS#8 PEM key of the type and curve `algorithm` names.
std::string make_test_key_pem(SignatureAlgorithm algorithm);
// A fresh RSA key, the kind of key SMTPsec does not sign with.
std::string make_test_rsa_key_pem(unsigned bits = 2048);

// A certificate for `key_pem` with subject CN=common_name, valid from an hour
// ago for a year: self-signed when `issuer` is null, else issued by it. `ca`
// makes it able to issue others (basicConstraints CA, keyCertSign).
TestCertificate make_test_certificate_for_key(std::string key_pem, std::string_view common_name,
                                              const TestCertificate* issuer = nullptr, bool ca = false);

// The same with a fresh key for `algorithm`.
TestCertificate make_test_certificate(SignatureAlgorithm algorithm, std::string_view common_name,
                                      const TestCertificate* issuer = nullptr, bool ca = false);

}  // namespace smtpsec::testing

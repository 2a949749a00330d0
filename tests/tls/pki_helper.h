// A throw-away PKI made at test time with OpenSSL's C API: keys of every
// SMTPsec algorithm, CA/intermediate/leaf certificates with dNSName and
// SRVName, and Certificate Transparency SCTs signed by a test log key and
// embedded in the certificate (RFC 6962 precertificate entries).
//
// Why it exists: no keys are checked in; unit tests of the authentication
// rule and later integration tests (test servers on loopback) need real
// chains, real SCTs and the matching CA file / log list. The SCT signing here
// is written independently from the checker (which relies on OpenSSL's CT
// verifier), so a bug on one side shows up as a failing test.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec::testpki {

using TimePoint = std::chrono::system_clock::time_point;

enum class KeyType { ecdsa_p256, ecdsa_p384, ecdsa_p521, ed25519, ed448, rsa2048 };

class Key {
public:
    static Key generate(KeyType type);
    EVP_PKEY* get() const { return key_.get(); }
    KeyType type() const { return type_; }
    std::string private_pem() const;  // PKCS#8
    std::vector<std::uint8_t> spki_der() const;

private:
    std::shared_ptr<EVP_PKEY> key_;
    KeyType type_ = KeyType::ecdsa_p256;
};

class Cert {
public:
    explicit Cert(X509* owned);  // takes ownership
    X509* get() const { return cert_.get(); }
    std::vector<std::uint8_t> der() const;
    Bytes bytes() const { return Bytes(der()); }
    std::string pem() const;

private:
    std::shared_ptr<X509> cert_;
};

// A CT log: an ECDSA P-256 key; its id is the SHA-256 of its SPKI.
struct CtLog {
    Key key;
    std::string description;
    std::string operator_name;
    static CtLog create(std::string description, std::string operator_name);
    std::array<std::uint8_t, 32> id() const;
};

struct SctSpec {
    SctSpec(const CtLog* log, TimePoint timestamp, bool corrupt_signature = false)
        : log(log), timestamp(timestamp), corrupt_signature(corrupt_signature) {}
    const CtLog* log;
    TimePoint timestamp;     // the SCT's timestamp (ms precision kept)
    bool corrupt_signature;  // sign other data: a well-formed, wrong signature
};

// What to put in a certificate; built fluently:
//   CertSpec::named("mx.a.test").dns("mx.a.test").sct({&log, when})
struct CertSpec {
    std::string common_name;
    std::vector<std::string> dns_names;
    std::vector<std::string> srv_names;     // whole SRVNames, e.g. "_smtpsec.a.test"
    std::vector<std::string> ip_addresses;  // iPAddress entries, e.g. "192.0.2.1"
    bool ca = false;
    TimePoint not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
    TimePoint not_after = std::chrono::system_clock::now() + std::chrono::hours(24 * 90);
    std::vector<SctSpec> scts;  // embedded in the certificate

    static CertSpec named(std::string common_name) {
        CertSpec spec;
        spec.common_name = std::move(common_name);
        return spec;
    }
    CertSpec& dns(std::string name) {
        dns_names.push_back(std::move(name));
        return *this;
    }
    CertSpec& srv(std::string name) {
        srv_names.push_back(std::move(name));
        return *this;
    }
    CertSpec& ip(std::string address) {
        ip_addresses.push_back(std::move(address));
        return *this;
    }
    CertSpec& as_ca() {
        ca = true;
        return *this;
    }
    CertSpec& valid(TimePoint from, TimePoint until) {
        not_before = from;
        not_after = until;
        return *this;
    }
    CertSpec& sct(SctSpec spec) {
        scts.push_back(spec);
        return *this;
    }
};

// Issues `spec` for `subject_key`, signed by `signer_key` with `issuer` as the
// issuer (nullptr: self-signed, signer_key must be subject_key).
Cert issue(const CertSpec& spec, const Key& subject_key, const Cert* issuer, const Key& signer_key);

// TLSA association data computed with OpenSSL (selector 0/1, matching 0/1/2).
std::vector<std::uint8_t> tlsa_data(const Cert& cert, int selector, int matching_type);

struct LogListEntry {
    explicit LogListEntry(const CtLog* log, std::string state = "usable",
                          TimePoint state_since = std::chrono::system_clock::now() -
                                                  std::chrono::hours(24 * 365))
        : log(log), state(std::move(state)), state_since(state_since) {}
    const CtLog* log;
    std::string state;  // usable, qualified, readonly, retired, rejected, pending, or "" (none)
    TimePoint state_since;
    std::optional<std::pair<TimePoint, TimePoint>> temporal_interval;
};
// A log list in the public log_list.json v3 shape (operators[].logs[]).
std::string log_list_json(std::span<const LogListEntry> logs);

std::string chain_pem(std::span<const Cert> chain);
std::vector<Bytes> der_chain(std::span<const Cert> chain);
void write_file(const std::filesystem::path& path, std::string_view contents);

// A ready hierarchy: root CA -> intermediate CA -> leaves, one usable CT log.
class TestPki {
public:
    TestPki();

    Key root_key;
    Cert root;
    Key intermediate_key;
    Cert intermediate;
    CtLog log;

    struct Leaf {
        Key key;
        std::vector<Cert> chain;  // leaf, intermediate
        std::vector<Bytes> der() const { return der_chain(chain); }
    };
    // A leaf for these names, signed by the intermediate, with one valid SCT
    // from `log` unless with_sct is false.
    Leaf leaf(std::vector<std::string> dns_names, std::vector<std::string> srv_names = {},
              KeyType key_type = KeyType::ecdsa_p256, bool with_sct = true) const;

    std::string ca_pem() const { return root.pem(); }
    std::string log_list_json() const;  // `log` as usable

    // Writes DIR/STEM.crt (chain PEM, leaf first) and DIR/STEM.key (PKCS#8).
    struct Files {
        std::filesystem::path cert;
        std::filesystem::path key;
    };
    static Files write(const Leaf& leaf, const std::filesystem::path& dir, const std::string& stem);
};

}  // namespace smtpsec::testpki

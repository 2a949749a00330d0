// Signing and verifying the `message` field of SMTPsec Emails
// (docs/decisions.md points 7-10).
//
// Why it exists: the outbound side signs each Email with the gateway's key and
// the inbound side verifies it with the leaf certificate of the chain the Email
// names. Keys are imported once and reused for every Email (no per-call key
// parsing); signatures are always in SMTPsec's fixed-width form: EdDSA as
// GnuTLS makes them, ECDSA as r || s left-padded to the curve size, never DER.
// Everything here wraps GnuTLS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/expected.h"
#include "smtpsec/message.h"

struct gnutls_privkey_st;
struct gnutls_pubkey_st;

namespace smtpsec {

// A private key for one of the SMTPsec signature algorithms. Move-only.
class SigningKey {
public:
    // PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM, unencrypted.
    // Fails for key types SMTPsec does not list (RSA, other curves).
    static Expected<SigningKey, std::string> from_pem(std::string_view pem);
    // The error text names the file.
    static Expected<SigningKey, std::string> from_pem_file(const std::string& path);

    SigningKey(SigningKey&&) noexcept;
    SigningKey& operator=(SigningKey&&) noexcept;
    ~SigningKey();

    // Derived from the key type and curve: each key signs with exactly one algorithm.
    SignatureAlgorithm algorithm() const { return algorithm_; }

    // The signature over exactly `message`: signature_length(algorithm()) bytes.
    Expected<std::vector<std::uint8_t>, std::string> sign(std::span<const std::uint8_t> message) const;
    // The same, appended to `out` (which grows by exactly that many bytes, or
    // not at all on failure), for callers that build a buffer in place.
    Expected<std::size_t, std::string> sign_append(std::span<const std::uint8_t> message,
                                                   std::vector<std::uint8_t>& out) const;

    // DER SubjectPublicKeyInfo of the matching public key (to compare with a certificate).
    Expected<std::vector<std::uint8_t>, std::string> public_key_der() const;

private:
    struct Deleter {
        void operator()(gnutls_privkey_st* key) const;
    };
    SigningKey(std::unique_ptr<gnutls_privkey_st, Deleter> key, SignatureAlgorithm algorithm);

    std::unique_ptr<gnutls_privkey_st, Deleter> key_;
    SignatureAlgorithm algorithm_;
};

enum class VerifyStatus {
    valid,
    bad_signature,       // the right length, but it does not verify
    algorithm_mismatch,  // the key's type or curve is not the one the algorithm names
    wrong_length,        // not signature_length(algorithm) bytes
};

// "valid", "bad_signature", ... for logs.
std::string_view name_of(VerifyStatus status);

// The public key of a leaf certificate, imported once and reused for many Emails.
// Move-only. A certificate whose key SMTPsec cannot use (RSA, another curve)
// still loads: fits() is then false for every algorithm and verify() answers
// algorithm_mismatch, which the protocol treats like any other mismatch.
class VerifyingKey {
public:
    static Expected<VerifyingKey, std::string> from_certificate_der(std::span<const std::uint8_t> der);

    VerifyingKey(VerifyingKey&&) noexcept;
    VerifyingKey& operator=(VerifyingKey&&) noexcept;
    ~VerifyingKey();

    // The algorithm this key verifies, if SMTPsec lists one for its type and curve.
    std::optional<SignatureAlgorithm> algorithm() const { return algorithm_; }
    bool fits(SignatureAlgorithm algorithm) const { return algorithm_ == algorithm; }

    // Checks, in this order: the key fits `algorithm`, the signature has its
    // fixed length, the signature over exactly `message` verifies.
    VerifyStatus verify(SignatureAlgorithm algorithm, std::span<const std::uint8_t> message,
                        std::span<const std::uint8_t> signature) const;

private:
    struct Deleter {
        void operator()(gnutls_pubkey_st* key) const;
    };
    VerifyingKey(std::unique_ptr<gnutls_pubkey_st, Deleter> key, std::optional<SignatureAlgorithm> algorithm);

    std::unique_ptr<gnutls_pubkey_st, Deleter> key_;
    std::optional<SignatureAlgorithm> algorithm_;
};

// One or more PEM certificates -> DER chain in file order, which must be leaf
// first with each certificate issued by the next (GnuTLS checks the order).
// At least one certificate.
Expected<CertificateChain, std::string> load_certificate_chain_pem(std::string_view pem);
// The error text names the file.
Expected<CertificateChain, std::string> load_certificate_chain_file(const std::string& path);

// The gateway's signing identity: the chain it announces in ClientHello and the
// key that signs its Emails, checked at load time to match the chain's leaf.
struct SigningIdentity {
    CertificateChain chain;
    SigningKey key;

    static Expected<SigningIdentity, std::string> load(const std::string& chain_pem_path,
                                                       const std::string& key_pem_path);
    // The same check for chain and key already in memory.
    static Expected<SigningIdentity, std::string> from_parts(CertificateChain chain, SigningKey key);
};

}  // namespace smtpsec

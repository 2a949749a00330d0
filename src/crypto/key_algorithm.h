// Which SMTPsec SignatureAlgorithm a GnuTLS key serves, and how GnuTLS names it.
//
// Why it exists: docs/decisions.md point 7 binds each algorithm to one key type
// and curve (as TLS 1.3 does), so "does this key fit that algorithm" is a
// question about the key's type and curve, answered in one place for both
// private keys and certificate public keys.
#pragma once

#include <gnutls/abstract.h>

#include <cstddef>
#include <optional>

#include "smtpsec/message.h"

namespace smtpsec::crypto {

// nullopt for key types SMTPsec does not sign with (RSA, DSA, GOST, other curves).
std::optional<SignatureAlgorithm> algorithm_of(gnutls_privkey_t key);
std::optional<SignatureAlgorithm> algorithm_of(gnutls_pubkey_t key);

// The curve-bound GnuTLS signature algorithm (ECDSA variants name their curve,
// so GnuTLS itself also refuses a key on another curve).
gnutls_sign_algorithm_t gnutls_sign_of(SignatureAlgorithm algorithm);

// Byte size of each of r and s for ECDSA algorithms; 0 for EdDSA, whose
// signatures GnuTLS already produces in their fixed-width form.
std::size_t ecdsa_scalar_size(SignatureAlgorithm algorithm);

}  // namespace smtpsec::crypto

// GnuTLS certificate handles and the few certificate facts the checks need
// (DER, DN, SPKI, dates), so each check file deals only with its own rule.
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509-ext.h>
#include <gnutls/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crypto/gnutls_handles.h"
#include "smtpsec/expected.h"
#include "tls/time_text.h"

namespace smtpsec::tls {

using crypto::datum_of;
using crypto::gnutls_error;
using crypto::OwnedDatum;
using crypto::X509Crt;

struct TrustListDeleter {
    // 1: the list owns the certificates added to it and frees them.
    void operator()(gnutls_x509_trust_list_st* list) const { gnutls_x509_trust_list_deinit(list, 1); }
};
using TrustList = std::unique_ptr<gnutls_x509_trust_list_st, TrustListDeleter>;

struct SubjectAltNamesDeleter {
    void operator()(gnutls_subject_alt_names_st* sans) const { gnutls_subject_alt_names_deinit(sans); }
};
using SubjectAltNames = std::unique_ptr<gnutls_subject_alt_names_st, SubjectAltNamesDeleter>;

// An empty trust list; throws std::bad_alloc if GnuTLS cannot allocate one.
TrustList make_trust_list();

// Parses one DER certificate; the error says why.
Expected<X509Crt, std::string> import_der(std::span<const std::uint8_t> der);

// A second handle on the same certificate (trust lists take ownership of theirs).
X509Crt copy_of(gnutls_x509_crt_t crt);

std::vector<std::uint8_t> der_of(gnutls_x509_crt_t crt);
// The DER SubjectPublicKeyInfo, as TLSA selector 1 hashes it.
std::vector<std::uint8_t> spki_of(gnutls_x509_crt_t crt);
// RFC 4514 subject DN, for messages.
std::string subject_of(gnutls_x509_crt_t crt);

TimePoint not_before(gnutls_x509_crt_t crt);
TimePoint not_after(gnutls_x509_crt_t crt);

// Empty if `crt` is within its validity period at `now`, else e.g.
// "certificate expired at 2024-01-01T00:00:00Z (CN=mx.b.test)".
std::string validity_problem(gnutls_x509_crt_t crt, TimePoint now);

}  // namespace smtpsec::tls

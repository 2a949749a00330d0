// TLSA records (RFC 6698/7671) as the DNS layer hands them over, and the
// selector/matching-type comparison against one certificate.
//
// Why our own matching instead of libgnutls-dane: DANE-TA must be matched
// against each chain certificate separately and then verified with that
// certificate as the only anchor (libgnutls-dane's own usage-2 check is
// unsound: it reported a match for a leaf signed by another CA when the
// record's anchor merely came later in the chain), so the comparison is
// needed here anyway; it is a few lines over GnuTLS's hash, and it keeps
// libgnutls-dane (and the libunbound it pulls in, whose clash with libev the
// top-level meson.build explains) out of this layer.
#pragma once

#include <gnutls/x509.h>

#include <cstdint>
#include <string>
#include <vector>

namespace smtpsec::tls {

struct TlsaRecord {
    std::uint8_t usage = 0;          // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
    std::uint8_t selector = 0;       // 0 full certificate, 1 SubjectPublicKeyInfo
    std::uint8_t matching_type = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
    std::vector<std::uint8_t> data;
    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

// "3 1 1" (the presentation form's first three fields), for messages.
std::string tlsa_label(const TlsaRecord& record);

// Usable per RFC 6698/7671: known usage, selector and matching type, and a
// digest of the right length. Unusable records are ignored (RFC 7671 4.1).
bool tlsa_usable(const TlsaRecord& record);

// The record data that selector and matching type (1 SHA-256, 2 SHA-512,
// 0 the selected DER itself) give for `crt`; empty on failure. What
// smtpsec-dns publishes.
std::vector<std::uint8_t> tlsa_data(std::uint8_t selector, std::uint8_t matching_type, gnutls_x509_crt_t crt);

// Whether the certificate's selected part matches the record's data.
bool tlsa_matches(const TlsaRecord& record, gnutls_x509_crt_t crt);

}  // namespace smtpsec::tls

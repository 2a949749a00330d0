// TLSA selector/matching-type comparison over GnuTLS's DER export and hashes.
#include "tls/tlsa.h"

#include <gnutls/crypto.h>

#include "tls/x509_util.h"

namespace smtpsec::tls {

std::string tlsa_label(const TlsaRecord& record) {
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching_type);
}

bool tlsa_usable(const TlsaRecord& record) {
    if (record.usage > 3 || record.selector > 1) return false;
    switch (record.matching_type) {
    case 0: return !record.data.empty();
    case 1: return record.data.size() == 32;
    case 2: return record.data.size() == 64;
    default: return false;
    }
}

std::vector<std::uint8_t> tlsa_data(std::uint8_t selector, std::uint8_t matching_type,
                                    gnutls_x509_crt_t crt) {
    std::vector<std::uint8_t> selected = selector == 0 ? der_of(crt) : spki_of(crt);
    if (selected.empty() || matching_type == 0) return selected;
    const gnutls_digest_algorithm_t algorithm = matching_type == 1 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA512;
    std::vector<std::uint8_t> digest(matching_type == 1 ? 32 : 64);
    if (gnutls_hash_fast(algorithm, selected.data(), selected.size(), digest.data()) < 0) return {};
    return digest;
}

bool tlsa_matches(const TlsaRecord& record, gnutls_x509_crt_t crt) {
    if (!tlsa_usable(record)) return false;
    const auto data = tlsa_data(record.selector, record.matching_type, crt);
    return !data.empty() && data == record.data;
}

}  // namespace smtpsec::tls

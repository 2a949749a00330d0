// Name checks: GnuTLS for dNSName, our own subjectAltName walk for SRVName.
#include "tls/names.h"

#include <gnutls/x509-ext.h>

#include <cstring>

#include "tls/x509_util.h"
#include "wire/ascii.h"

namespace smtpsec::tls {

namespace {

constexpr const char* kSanOid = "2.5.29.17";
constexpr std::string_view kSrvNameOid = "1.3.6.1.5.5.7.8.7";

// The content of a DER IA5String (tag 0x16, definite length), or nullopt.
std::optional<std::string> ia5_string(const gnutls_datum_t& der) {
    const unsigned char* p = der.data;
    std::size_t n = der.size;
    if (n < 2 || p[0] != 0x16) return std::nullopt;
    std::size_t length = p[1];
    std::size_t header = 2;
    if (length & 0x80) {
        const std::size_t count = length & 0x7f;
        if (count == 0 || count > 4 || n < 2 + count) return std::nullopt;
        length = 0;
        for (std::size_t i = 0; i < count; ++i) length = (length << 8) | p[2 + i];
        if (length < 0x80) return std::nullopt;  // not DER's shortest form
        header = 2 + count;
    }
    if (header + length != n) return std::nullopt;
    std::string text(reinterpret_cast<const char*>(p + header), length);
    for (unsigned char c : text)
        if (c == 0 || c > 0x7f) return std::nullopt;  // IA5 is 7-bit; NUL would truncate comparisons
    return text;
}

// RFC 1123 host name: dot-separated labels of 1-63 letters, digits and
// inner hyphens. GnuTLS lets a certificate's wildcard cover any bytes in the
// first label ("*.mail.a.test" covered "sm|p.mail.a.test"); RFC 6125 matches
// host names only, so anything else is no candidate for a dNSName.
bool is_host_name(std::string_view d) {
    if (d.empty() || d.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i <= d.size(); ++i) {
        if (i == d.size() || d[i] == '.') {
            if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-') return false;
            label = 0;
            continue;
        }
        const char c = d[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        ++label;
    }
    return true;
}

}  // namespace

std::vector<std::string> srv_names_of(gnutls_x509_crt_t crt) {
    std::vector<std::string> names;
    OwnedDatum ext;
    if (gnutls_x509_crt_get_extension_by_oid2(crt, kSanOid, 0, ext.out(), nullptr) < 0) return names;
    gnutls_subject_alt_names_t raw = nullptr;
    if (gnutls_subject_alt_names_init(&raw) < 0) return names;
    SubjectAltNames sans(raw);
    if (gnutls_x509_ext_import_subject_alt_names(&ext.get(), sans.get(), 0) < 0) return names;
    // libtasn1 reads an otherName whose [0] wrapper gives a wrong length (the
    // certificate fuzzer found one that OpenSSL refuses outright). A name is
    // taken only from an extension that is the canonical DER of what was
    // read: exported again, the bytes must be the same.
    OwnedDatum again;
    if (gnutls_x509_ext_export_subject_alt_names(sans.get(), again.out()) < 0 ||
        again.get().size != ext.get().size ||
        std::memcmp(again.get().data, ext.get().data, ext.get().size) != 0)
        return names;
    for (unsigned i = 0;; ++i) {
        unsigned type = 0;
        gnutls_datum_t value{nullptr, 0};
        gnutls_datum_t oid{nullptr, 0};
        const int rc = gnutls_subject_alt_names_get(sans.get(), i, &type, &value, &oid);
        if (rc < 0) break;  // GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ends the list
        if (type != GNUTLS_SAN_OTHERNAME || oid.data == nullptr) continue;
        const std::string_view oid_text(reinterpret_cast<const char*>(oid.data), oid.size);
        // GnuTLS may count the terminating NUL in the OID's size.
        if (oid_text.substr(0, kSrvNameOid.size()) != kSrvNameOid ||
            (oid_text.size() > kSrvNameOid.size() &&
             (oid_text.size() != kSrvNameOid.size() + 1 || oid_text.back() != '\0')))
            continue;
        if (auto text = ia5_string(value)) names.push_back(std::move(*text));
    }
    return names;
}

std::string normalize_domain(std::string_view name) {
    std::string out(name);
    if (!out.empty() && out.back() == '.') out.pop_back();
    wire::ascii_lower_in_place(out);
    return out;
}

std::optional<NameMatch> match_name(gnutls_x509_crt_t leaf, std::string_view host,
                                    std::string_view service_domain) {
    const std::string d = normalize_domain(host);
    // D is a host name from SRV records, never an address: without the flag
    // GnuTLS would match an address-shaped D against iPAddress entries.
    if (is_host_name(d) &&
        gnutls_x509_crt_check_hostname2(leaf, d.c_str(), GNUTLS_VERIFY_DO_NOT_ALLOW_IP_MATCHES) != 0)
        return NameMatch{NameKind::dns_name, d};
    const std::string domain = normalize_domain(service_domain);
    if (domain.empty()) return std::nullopt;
    const std::string wanted = "_smtpsec." + domain;
    for (const auto& name : srv_names_of(leaf)) {
        std::string_view candidate = name;
        if (!candidate.empty() && candidate.back() == '.') candidate.remove_suffix(1);
        if (wire::equals_ignore_case(candidate, wanted)) return NameMatch{NameKind::srv_name, wanted};
    }
    return std::nullopt;
}

}  // namespace smtpsec::tls

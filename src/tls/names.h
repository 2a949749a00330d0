// Whose certificate is this? docs/decisions.md points 21/22 accept a leaf
// valid for the target host D (dNSName, checked by GnuTLS) or carrying the
// SRVName "_smtpsec.<domain>" (RFC 4985), which GnuTLS does not check.
#pragma once

#include <gnutls/x509.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsec::tls {

enum class NameKind { dns_name, srv_name };

struct NameMatch {
    NameKind kind = NameKind::dns_name;
    std::string name;  // the host D, or "_smtpsec.<domain>", lowercase
};

// The SRVName values (otherName 1.3.6.1.5.5.7.8.7, IA5String) in the leaf's
// subjectAltName, as written. Malformed entries are skipped.
std::vector<std::string> srv_names_of(gnutls_x509_crt_t crt);

// Lowercase without a final dot: "MX.B.Test." -> "mx.b.test".
std::string normalize_domain(std::string_view name);

// dNSName for `host` first, when it is an RFC 1123 host name (lowercased;
// never matched against an iPAddress entry: D is a host name), then SRVName "_smtpsec.<service_domain>" (ASCII case-insensitive).
// nullopt when neither matches.
std::optional<NameMatch> match_name(gnutls_x509_crt_t leaf, std::string_view host,
                                    std::string_view service_domain);

}  // namespace smtpsec::tls

// See publish.h.
#include "tools/dns/publish.h"

#include <fmt/format.h>
#include <gnutls/x509.h>

#include "tls/names.h"
#include "tls/x509_util.h"

namespace smtpsec::dnstool {
namespace {

std::string first_dns_name(gnutls_x509_crt_t crt) {
    for (unsigned i = 0;; ++i) {
        char name[512];
        size_t size = sizeof name;
        unsigned critical = 0;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &size, &critical);
        if (type < 0) return {};
        if (type == GNUTLS_SAN_DNSNAME) return std::string(name, size);
    }
}

}  // namespace

std::string hex_of(const std::vector<std::uint8_t>& data) {
    std::string out;
    for (auto b : data) out += fmt::format("{:02x}", b);
    return out;
}

std::string tlsa_text(const tls::TlsaRecord& r) {
    return fmt::format("{} {}", tls::tlsa_label(r), hex_of(r.data));
}

std::string tlsa_owner(const Publication& p) { return fmt::format("_{}._tcp.{}.", p.port, p.host); }

Expected<Publication, std::string> compute(const CertificateChain& chain, const std::string& host,
                                           std::uint16_t port, const std::vector<std::string>& domains) {
    if (chain.empty()) return Unexpected(std::string("the certificate file holds no certificate"));
    auto leaf = tls::import_der(chain[0].span());
    if (!leaf) return Unexpected("the leaf certificate: " + leaf.error());
    Publication p;
    p.host = host.empty() ? tls::normalize_domain(first_dns_name(leaf->get())) : tls::normalize_domain(host);
    if (p.host.empty())
        return Unexpected(
            std::string("the certificate has no DNS name; give the gateway's name with --host"));
    p.port = port;
    for (auto& d : domains) p.domains.push_back(tls::normalize_domain(d));
    p.dane_ee = {3, 1, 1, tls::tlsa_data(1, 1, leaf->get())};
    if (chain.size() > 1) {
        auto issuer = tls::import_der(chain[1].span());
        if (!issuer) return Unexpected("the issuer certificate: " + issuer.error());
        p.dane_ta = tls::TlsaRecord{2, 1, 1, tls::tlsa_data(1, 1, issuer->get())};
    }
    return p;
}

std::string zone_text(const Publication& p) {
    std::string out;
    for (const auto& d : p.domains)
        out += fmt::format("_smtpsec._tcp.{}. 3600 IN SRV 0 0 {} {}.\n", d, p.port, p.host);
    out += fmt::format("; DANE-EE: pins this certificate's key (no public CA or CT needed)\n");
    out += fmt::format("{} 3600 IN TLSA {}\n", tlsa_owner(p), tlsa_text(p.dane_ee));
    if (p.dane_ta) {
        out += "; or DANE-TA: pins the issuing CA (CT is then still required)\n";
        out += fmt::format(";{} 3600 IN TLSA {}\n", tlsa_owner(p), tlsa_text(*p.dane_ta));
    } else {
        out += "; (no DANE-TA 2 1 1 alternative: the file holds no issuer certificate)\n";
    }
    return out;
}

}  // namespace smtpsec::dnstool

// GnuTLS path validation plus our own walk of the accepted path for the dates.
//
// The walk mirrors GnuTLS: stop at the first certificate whose issuer is in
// the trust list (so an expired cross-signed root further up the presented
// chain is not on the path and does not matter), else follow the presented
// certificate that issued it.
#include "tls/pkix_path.h"

namespace smtpsec::tls {

namespace {

std::string status_text(unsigned status) {
    OwnedDatum out;
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, out.out(), 0) < 0)
        return "verification status " + std::to_string(status);
    std::string text(reinterpret_cast<const char*>(out.get().data), out.get().size);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
    return text;
}

std::string at_position(const std::string& problem, std::size_t position) {
    return problem + ", chain position " + std::to_string(position);
}

}  // namespace

Expected<VerifiedPath, std::string> verify_path(gnutls_x509_trust_list_t anchors,
                                                std::span<const gnutls_x509_crt_t> chain, TimePoint now) {
    if (chain.empty()) return Unexpected(std::string("empty certificate chain"));

    gnutls_typed_vdata_st purpose{};
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_SERVER));
    const unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
    unsigned status = 0;
    // GnuTLS sorts a copy of the pointer array; it does not write through it.
    auto* list = const_cast<gnutls_x509_crt_t*>(chain.data());
    if (const int rc = gnutls_x509_trust_list_verify_crt2(anchors, list, unsigned(chain.size()), &purpose, 1,
                                                          flags, &status, nullptr);
        rc < 0)
        return Unexpected(gnutls_error("chain verification error", rc));
    if (status != 0) return Unexpected(status_text(status));

    VerifiedPath path;
    std::vector<bool> used(chain.size(), false);
    std::size_t current = 0;
    used[0] = true;
    path.positions.push_back(0);
    for (;;) {
        gnutls_x509_crt_t cert = chain[current];
        if (auto problem = validity_problem(cert, now); !problem.empty())
            return Unexpected(at_position(problem, current));

        gnutls_x509_crt_t issuer = nullptr;
        if (gnutls_x509_trust_list_get_issuer(anchors, cert, &issuer, GNUTLS_TL_GET_COPY) == 0 && issuer) {
            path.anchor = X509Crt(issuer);
            if (auto problem = validity_problem(issuer, now); !problem.empty())
                return Unexpected(problem + ", trust anchor");
            break;
        }
        std::size_t next = chain.size();
        for (std::size_t j = 1; j < chain.size(); ++j) {
            if (!used[j] && gnutls_x509_crt_check_issuer(cert, chain[j]) == 1) {
                next = j;
                break;
            }
        }
        if (next == chain.size()) break;  // GnuTLS accepted the rest; nothing further is on the path
        used[next] = true;
        path.positions.push_back(next);
        current = next;
    }
    return path;
}

}  // namespace smtpsec::tls

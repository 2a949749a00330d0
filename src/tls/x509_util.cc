// Small GnuTLS certificate accessors shared by the name, TLSA, path and CT checks.
#include "tls/x509_util.h"

#include <new>

namespace smtpsec::tls {

TrustList make_trust_list() {
    gnutls_x509_trust_list_t list = nullptr;
    if (gnutls_x509_trust_list_init(&list, 0) < 0) throw std::bad_alloc();
    return TrustList(list);
}

Expected<X509Crt, std::string> import_der(std::span<const std::uint8_t> der) {
    gnutls_x509_crt_t raw = nullptr;
    if (gnutls_x509_crt_init(&raw) < 0) return Unexpected(std::string("out of memory"));
    X509Crt crt(raw);
    const gnutls_datum_t in = datum_of(der);
    if (const int rc = gnutls_x509_crt_import(crt.get(), &in, GNUTLS_X509_FMT_DER); rc < 0)
        return Unexpected(std::string(gnutls_strerror(rc)));
    return crt;
}

X509Crt copy_of(gnutls_x509_crt_t crt) {
    const auto der = der_of(crt);
    auto copy = import_der(der);
    if (!copy) throw std::bad_alloc();  // it parsed once; only memory can fail
    return std::move(copy).value();
}

std::vector<std::uint8_t> der_of(gnutls_x509_crt_t crt) {
    OwnedDatum out;
    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, out.out()) < 0) return {};
    return {out.span().begin(), out.span().end()};
}

std::vector<std::uint8_t> spki_of(gnutls_x509_crt_t crt) {
    gnutls_pubkey_t raw = nullptr;
    if (gnutls_pubkey_init(&raw) < 0) return {};
    crypto::Pubkey key(raw);
    if (gnutls_pubkey_import_x509(key.get(), crt, 0) < 0) return {};
    OwnedDatum out;
    if (gnutls_pubkey_export2(key.get(), GNUTLS_X509_FMT_DER, out.out()) < 0) return {};
    return {out.span().begin(), out.span().end()};
}

std::string subject_of(gnutls_x509_crt_t crt) {
    OwnedDatum out;
    if (gnutls_x509_crt_get_dn3(crt, out.out(), 0) < 0) return "(unreadable subject)";
    return std::string(reinterpret_cast<const char*>(out.get().data), out.get().size);
}

TimePoint not_before(gnutls_x509_crt_t crt) {
    return from_unix_seconds(gnutls_x509_crt_get_activation_time(crt));
}

TimePoint not_after(gnutls_x509_crt_t crt) {
    return from_unix_seconds(gnutls_x509_crt_get_expiration_time(crt));
}

std::string validity_problem(gnutls_x509_crt_t crt, TimePoint now) {
    if (now < not_before(crt))
        return "certificate not valid before " + rfc3339(not_before(crt)) + " (" + subject_of(crt) + ")";
    if (now > not_after(crt))
        return "certificate expired at " + rfc3339(not_after(crt)) + " (" + subject_of(crt) + ")";
    return {};
}

}  // namespace smtpsec::tls

// A one-line summary of a DER certificate for the text dump (subject, key
// algorithm), so a person can see which chain an Email names.
#include <fmt/core.h>
#include <gnutls/x509.h>

#include <memory>

#include "tools/dump/dump.h"

namespace smtpsec::dump {

std::string describe_certificate(const Bytes& der) {
    gnutls_x509_crt_t raw = nullptr;
    if (gnutls_x509_crt_init(&raw) < 0) return fmt::format("{} bytes", der.size());
    std::unique_ptr<gnutls_x509_crt_int, decltype(&gnutls_x509_crt_deinit)> crt(raw, gnutls_x509_crt_deinit);
    gnutls_datum_t in{const_cast<unsigned char*>(der.data()), static_cast<unsigned>(der.size())};
    if (gnutls_x509_crt_import(crt.get(), &in, GNUTLS_X509_FMT_DER) < 0)
        return fmt::format("{} bytes, not a readable X.509 certificate", der.size());
    gnutls_datum_t dn{};
    std::string subject = "?";
    if (gnutls_x509_crt_get_dn3(crt.get(), &dn, 0) >= 0) {
        subject.assign(reinterpret_cast<const char*>(dn.data), dn.size);
        gnutls_free(dn.data);
    }
    unsigned bits = 0;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt.get(), &bits);
    const char* pk_name = gnutls_pk_algorithm_get_name(static_cast<gnutls_pk_algorithm_t>(pk));
    return fmt::format("{} bytes, subject {}, key {}", der.size(), subject, pk_name ? pk_name : "?");
}

}  // namespace smtpsec::dump

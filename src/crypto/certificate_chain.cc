// Loading the gateway's certificate chain from PEM into the DER form ClientHello carries.
#include "crypto/gnutls_handles.h"
#include "crypto/read_file.h"
#include "smtpsec/signature.h"

namespace smtpsec {
namespace {

// The array gnutls_x509_crt_list_import2 allocates, with every certificate in it.
class CrtList {
public:
    CrtList() = default;
    CrtList(const CrtList&) = delete;
    CrtList& operator=(const CrtList&) = delete;
    ~CrtList() {
        for (unsigned i = 0; i < size_; ++i) gnutls_x509_crt_deinit(crts_[i]);
        gnutls_free(crts_);
    }

    gnutls_x509_crt_t** array_out() { return &crts_; }
    unsigned* size_out() { return &size_; }
    unsigned size() const { return size_; }
    gnutls_x509_crt_t operator[](unsigned i) const { return crts_[i]; }

private:
    gnutls_x509_crt_t* crts_ = nullptr;
    unsigned size_ = 0;
};

}  // namespace

Expected<CertificateChain, std::string> load_certificate_chain_pem(std::string_view pem) {
    CrtList list;
    const gnutls_datum_t data = crypto::datum_of(pem);
    // A misordered chain is a configuration error best caught at start-up,
    // not by every receiving gateway.
    if (int rc = gnutls_x509_crt_list_import2(list.array_out(), list.size_out(), &data, GNUTLS_X509_FMT_PEM,
                                              GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
        rc < 0)
        return Unexpected{crypto::gnutls_error("certificate chain", rc)};
    if (list.size() == 0) return Unexpected{std::string("certificate chain: no certificate")};

    CertificateChain chain;
    chain.reserve(list.size());
    for (unsigned i = 0; i < list.size(); ++i) {
        crypto::OwnedDatum der;
        if (int rc = gnutls_x509_crt_export2(list[i], GNUTLS_X509_FMT_DER, der.out()); rc < 0)
            return Unexpected{crypto::gnutls_error("certificate chain", rc)};
        chain.push_back(Bytes::copy_of(der.span()));
    }
    return chain;
}

Expected<CertificateChain, std::string> load_certificate_chain_file(const std::string& path) {
    auto pem = crypto::read_file(path);
    if (!pem) return Unexpected{pem.error()};
    auto chain = load_certificate_chain_pem(*pem);
    if (!chain) return Unexpected{crypto::in_file(path, chain.error())};
    return chain;
}

}  // namespace smtpsec

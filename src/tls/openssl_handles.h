// Owning handles for the OpenSSL objects the CT check holds.
#pragma once

#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>

namespace smtpsec::tls::ossl {

struct X509Deleter {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct SctListDeleter {
    void operator()(STACK_OF(SCT) * s) const { SCT_LIST_free(s); }
};
struct CtPolicyCtxDeleter {
    void operator()(CT_POLICY_EVAL_CTX* c) const { CT_POLICY_EVAL_CTX_free(c); }
};
struct CtlogStoreDeleter {
    void operator()(CTLOG_STORE* s) const { CTLOG_STORE_free(s); }
};

using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using SctList = std::unique_ptr<STACK_OF(SCT), SctListDeleter>;
using CtPolicyCtx = std::unique_ptr<CT_POLICY_EVAL_CTX, CtPolicyCtxDeleter>;
using CtlogStore = std::unique_ptr<CTLOG_STORE, CtlogStoreDeleter>;

inline X509Ptr x509_from_der(std::span<const std::uint8_t> der) {
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, long(der.size())));
    if (x && p != der.data() + der.size()) x.reset();  // trailing bytes: not one certificate
    return x;
}

inline Pkey pubkey_from_der(std::span<const std::uint8_t> der) {
    const unsigned char* p = der.data();
    Pkey k(d2i_PUBKEY(nullptr, &p, long(der.size())));
    if (k && p != der.data() + der.size()) k.reset();
    return k;
}

}  // namespace smtpsec::tls::ossl

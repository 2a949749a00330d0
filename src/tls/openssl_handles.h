// Owning handles for the OpenSSL objects the CT check holds, and the few
// conversions it needs around them.
#pragma once

#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

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

// One line of base64, without a line break (OpenSSL's config values, such as
// a CT log's key, end at the line's end; log ids are shown this way too).
inline std::string base64_of(std::span<const std::uint8_t> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                  int(bytes.size()));
    out.resize(std::size_t(n));
    return out;
}

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

// See ct_log_list_signature.h.
#include "tls/ct_log_list_signature.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "tls/openssl_handles.h"

namespace smtpsec::tls {
namespace {

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::optional<ListSignatureProblem> list_signature_problem(std::span<const std::uint8_t> data,
                                                           std::span<const std::uint8_t> signature,
                                                           std::string_view public_key_pem) {
    ERR_clear_error();
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())));
    ossl::Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!key) return ListSignatureProblem{ListSignatureError::bad_key, "not a PEM public key"};
    const int type = EVP_PKEY_get_base_id(key.get());
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
        return ListSignatureProblem{ListSignatureError::bad_key, "neither an RSA nor an EC public key"};
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
                    EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                                     data.size()) == 1;
    ERR_clear_error();
    if (!ok)
        return ListSignatureProblem{ListSignatureError::bad_signature,
                                    "the signature does not verify with the publisher's key: the list was "
                                    "altered, or another key signed it"};
    return std::nullopt;
}

}  // namespace smtpsec::tls

// Owning handles for the GnuTLS objects the crypto layer holds.
//
// Why it exists: every GnuTLS object has its own init/deinit pair; wrapping them
// once in unique_ptr types keeps each use site free of cleanup paths, and the
// datum helpers keep GnuTLS's (pointer, unsigned length) pairs in one place.
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace smtpsec::crypto {

struct PrivkeyDeleter {
    void operator()(gnutls_privkey_st* key) const { gnutls_privkey_deinit(key); }
};
struct PubkeyDeleter {
    void operator()(gnutls_pubkey_st* key) const { gnutls_pubkey_deinit(key); }
};
struct X509CrtDeleter {
    void operator()(gnutls_x509_crt_int* crt) const { gnutls_x509_crt_deinit(crt); }
};

using Privkey = std::unique_ptr<gnutls_privkey_st, PrivkeyDeleter>;
using Pubkey = std::unique_ptr<gnutls_pubkey_st, PubkeyDeleter>;
using X509Crt = std::unique_ptr<gnutls_x509_crt_int, X509CrtDeleter>;

// Memory that GnuTLS allocated into a gnutls_datum_t and the caller must free.
class OwnedDatum {
public:
    OwnedDatum() = default;
    OwnedDatum(const OwnedDatum&) = delete;
    OwnedDatum& operator=(const OwnedDatum&) = delete;
    ~OwnedDatum() { gnutls_free(datum_.data); }

    gnutls_datum_t* out() { return &datum_; }
    const gnutls_datum_t& get() const { return datum_; }
    std::span<const std::uint8_t> span() const { return {datum_.data, datum_.size}; }

private:
    gnutls_datum_t datum_{nullptr, 0};
};

// A read-only datum over caller memory. GnuTLS takes non-const pointers in
// input datums but does not write through them.
inline gnutls_datum_t datum_of(std::span<const std::uint8_t> bytes) {
    return {const_cast<unsigned char*>(bytes.data()), static_cast<unsigned>(bytes.size())};
}
inline gnutls_datum_t datum_of(std::string_view text) {
    return {reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
            static_cast<unsigned>(text.size())};
}

// "what: GnuTLS's reason", the error text used throughout this layer.
inline std::string gnutls_error(std::string_view what, int code) {
    std::string text(what);
    text += ": ";
    text += gnutls_strerror(code);
    return text;
}

}  // namespace smtpsec::crypto

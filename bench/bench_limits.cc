// The single-core crypto ceiling that bench/compare.sh holds the SMTPsec path
// against: raw GnuTLS Ed25519 / ECDSA P-256 sign and verify rates, Ed25519
// sign + verify of a 10 MiB message, SHA-512 and AES-256-GCM throughput
// (16 KiB records, as TLS sends them). Nothing of ours
// is in the loop, so these are what the path could reach if it did nothing but
// crypto. Output is one "limit NAME VALUE UNIT" line per figure, for the script.
// Usage: bench_limits [seconds per figure, default 0.5]
#include <fmt/core.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/gnutls_handles.h"

using smtpsec::crypto::OwnedDatum;
using smtpsec::crypto::Privkey;
using smtpsec::crypto::Pubkey;
using Clock = std::chrono::steady_clock;

namespace {

struct AeadDeleter {
    void operator()(gnutls_aead_cipher_hd_t h) const { gnutls_aead_cipher_deinit(h); }
};
using Aead = std::unique_ptr<std::remove_pointer_t<gnutls_aead_cipher_hd_t>, AeadDeleter>;

[[noreturn]] void fail(const char* what, int rc) {
    fmt::print(stderr, "bench_limits: {}: {}\n", what, gnutls_strerror(rc));
    std::exit(1);
}

// Runs op until `seconds` pass; returns operations per second.
template <typename Op>
double rate(double seconds, Op op) {
    const auto start = Clock::now();
    long n = 0;
    double elapsed = 0;
    do {
        for (int i = 0; i < 16; ++i) op();
        n += 16;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    return static_cast<double>(n) / elapsed;
}

struct KeyPair {
    Privkey priv;
    Pubkey pub;
};

KeyPair generate(gnutls_pk_algorithm_t pk, unsigned bits) {
    gnutls_privkey_t raw_priv = nullptr;
    if (int rc = gnutls_privkey_init(&raw_priv); rc < 0) fail("privkey_init", rc);
    Privkey priv(raw_priv);
    if (int rc = gnutls_privkey_generate(priv.get(), pk, bits, 0); rc < 0) fail("generate", rc);
    gnutls_pubkey_t raw_pub = nullptr;
    if (int rc = gnutls_pubkey_init(&raw_pub); rc < 0) fail("pubkey_init", rc);
    Pubkey pub(raw_pub);
    if (int rc = gnutls_pubkey_import_privkey(pub.get(), priv.get(), 0, 0); rc < 0)
        fail("import_privkey", rc);
    return {std::move(priv), std::move(pub)};
}

// Sign and verify rates of a digest-sized input (64 bytes stand for what a
// small Email costs beyond hashing), then MB/s of signing and verifying a
// 10 MiB message whole: a large Email's own crypto. PureEdDSA hashes the
// message twice to sign (the nonce, then the challenge) and once to verify
// (three SHA-512 passes); ECDSA P-256 hashes it once each way (SHA-256).
void signatures(double seconds, const char* name, gnutls_pk_algorithm_t pk, unsigned bits,
                gnutls_sign_algorithm_t sign) {
    const KeyPair keys = generate(pk, bits);
    auto do_sign = [&](const gnutls_datum_t& data, OwnedDatum& sig) {
        if (int rc = gnutls_privkey_sign_data2(keys.priv.get(), sign, 0, &data, sig.out()); rc < 0)
            fail("sign", rc);
    };
    auto do_verify = [&](const gnutls_datum_t& data, const OwnedDatum& sig) {
        if (int rc = gnutls_pubkey_verify_data2(keys.pub.get(), sign, 0, &data, &sig.get()); rc < 0)
            fail("verify", rc);
    };
    std::array<unsigned char, 64> small{};
    const gnutls_datum_t small_data{small.data(), small.size()};
    const double signs = rate(seconds, [&] {
        OwnedDatum sig;
        do_sign(small_data, sig);
    });
    OwnedDatum small_sig;
    do_sign(small_data, small_sig);
    const double verifies = rate(seconds, [&] { do_verify(small_data, small_sig); });
    std::vector<unsigned char> large(10u << 20, 0x5a);
    const gnutls_datum_t large_data{large.data(), static_cast<unsigned>(large.size())};
    const double large_per_s = rate(seconds, [&] {
        OwnedDatum sig;
        do_sign(large_data, sig);
        do_verify(large_data, sig);
    });
    fmt::print("limit {}_sign {:.0f} ops/s\n", name, signs);
    fmt::print("limit {}_verify {:.0f} ops/s\n", name, verifies);
    fmt::print("limit {}_10mib_sign_verify {:.1f} MB/s\n", name,
               large_per_s * static_cast<double>(large.size()) / 1e6);
}

void sha512(double seconds) {
    std::vector<unsigned char> buf(1 << 20, 0x5a);
    std::array<unsigned char, 64> out{};
    const double per_s = rate(seconds, [&] {
        if (int rc = gnutls_hash_fast(GNUTLS_DIG_SHA512, buf.data(), buf.size(), out.data()); rc < 0)
            fail("hash", rc);
    });
    fmt::print("limit sha512 {:.1f} MB/s\n", per_s * static_cast<double>(buf.size()) / 1e6);
}

void aes_gcm(double seconds) {
    std::array<unsigned char, 32> key_bytes{};
    gnutls_datum_t key{key_bytes.data(), key_bytes.size()};
    gnutls_aead_cipher_hd_t raw = nullptr;
    if (int rc = gnutls_aead_cipher_init(&raw, GNUTLS_CIPHER_AES_256_GCM, &key); rc < 0)
        fail("aead_init", rc);
    Aead aead(raw);
    std::vector<unsigned char> plain(16384, 0x5a), cipher(16384 + 16);
    std::array<unsigned char, 12> nonce{};
    const double per_s = rate(seconds, [&] {
        size_t out_len = cipher.size();
        nonce[0]++;
        if (int rc = gnutls_aead_cipher_encrypt(aead.get(), nonce.data(), nonce.size(), nullptr, 0, 16,
                                                plain.data(), plain.size(), cipher.data(), &out_len);
            rc < 0)
            fail("encrypt", rc);
    });
    fmt::print("limit aes256gcm {:.1f} MB/s\n", per_s * static_cast<double>(plain.size()) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
    if (int rc = gnutls_global_init(); rc < 0) fail("global_init", rc);
    signatures(seconds, "ed25519", GNUTLS_PK_EDDSA_ED25519, 256, GNUTLS_SIGN_EDDSA_ED25519);
    signatures(seconds, "ecdsa_p256", GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
               GNUTLS_SIGN_ECDSA_SHA256);
    sha512(seconds);
    aes_gcm(seconds);
    gnutls_global_deinit();
    return 0;
}

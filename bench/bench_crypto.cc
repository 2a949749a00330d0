// Crypto benchmark: signatures and verifications per second through the
// crypto layer (SigningKey / VerifyingKey) next to GnuTLS called directly
// (gnutls_privkey_sign_data2 / gnutls_pubkey_verify_data2) on the same key and
// the same 1 KiB message, in the same process, with the ratios. The direct
// ECDSA path keeps GnuTLS's DER; ours includes the fixed-width r || s
// conversion. Slices of raw and ours alternate (order swapped each round) so
// that clock and thermal drift fall on both alike. Target: ed25519
// sign+verify through the layer >= 0.9x the direct rate.
// Usage: bench_crypto [seconds-per-slice, default 0.25] (about 60 slices).
#include <fmt/core.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/gnutls_handles.h"
#include "crypto/key_algorithm.h"
#include "crypto/test_certificates.h"
#include "smtpsec/signature.h"

using namespace smtpsec;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "bench_crypto: %s\n", what.c_str());
    std::exit(1);
}

void check(int rc, const char* what) {
    if (rc < 0) fail(crypto::gnutls_error(what, rc));
}

// Operations and seconds accumulated over the slices of one measurement.
struct Tally {
    double ops = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? ops / seconds : 0; }
};

// Runs `op` for about `slice` seconds; `op` returns false on a failed operation.
template <class F>
void run_slice(Tally& tally, double slice, F&& op) {
    std::size_t calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        for (int i = 0; i < 4; ++i)
            if (!op()) fail("an operation failed during the benchmark");
        calls += 4;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < slice);
    tally.ops += static_cast<double>(calls);
    tally.seconds += elapsed;
}

struct Result {
    Tally raw_sign, ours_sign, raw_verify, ours_verify;
};

Result measure(SignatureAlgorithm algorithm, const std::vector<std::uint8_t>& message, double slice,
               int rounds) {
    const auto cert = testing::make_test_certificate(algorithm, "bench.test");

    // Ours: imported once, as the daemon does.
    auto signer = SigningKey::from_pem(cert.key_pem);
    if (!signer) fail(signer.error());
    auto verifier = VerifyingKey::from_certificate_der(cert.der.span());
    if (!verifier) fail(verifier.error());

    // Direct GnuTLS on the same key and certificate.
    gnutls_privkey_t raw_priv_handle = nullptr;
    check(gnutls_privkey_init(&raw_priv_handle), "privkey init");
    crypto::Privkey raw_priv(raw_priv_handle);
    const gnutls_datum_t pem = crypto::datum_of(cert.key_pem);
    check(gnutls_privkey_import_x509_raw(raw_priv.get(), &pem, GNUTLS_X509_FMT_PEM, nullptr, 0),
          "privkey import");
    gnutls_x509_crt_t crt_handle = nullptr;
    check(gnutls_x509_crt_init(&crt_handle), "crt init");
    crypto::X509Crt crt(crt_handle);
    const gnutls_datum_t der = crypto::datum_of(cert.der.span());
    check(gnutls_x509_crt_import(crt.get(), &der, GNUTLS_X509_FMT_DER), "crt import");
    gnutls_pubkey_t raw_pub_handle = nullptr;
    check(gnutls_pubkey_init(&raw_pub_handle), "pubkey init");
    crypto::Pubkey raw_pub(raw_pub_handle);
    check(gnutls_pubkey_import_x509(raw_pub.get(), crt.get(), 0), "pubkey import");

    const gnutls_sign_algorithm_t sign_algorithm = crypto::gnutls_sign_of(algorithm);
    const gnutls_datum_t data = crypto::datum_of(message);

    crypto::OwnedDatum raw_signature;
    check(gnutls_privkey_sign_data2(raw_priv.get(), sign_algorithm, 0, &data, raw_signature.out()),
          "raw sign");
    auto our_signature = signer->sign(message);
    if (!our_signature) fail(our_signature.error());

    auto raw_sign = [&] {
        gnutls_datum_t out{nullptr, 0};
        const int rc = gnutls_privkey_sign_data2(raw_priv.get(), sign_algorithm, 0, &data, &out);
        gnutls_free(out.data);
        return rc >= 0;
    };
    auto ours_sign = [&] { return signer->sign(message).has_value(); };
    auto raw_verify = [&] {
        return gnutls_pubkey_verify_data2(raw_pub.get(), sign_algorithm, 0, &data, &raw_signature.get()) >= 0;
    };
    auto ours_verify = [&] {
        return verifier->verify(algorithm, message, *our_signature) == VerifyStatus::valid;
    };

    Result r;
    for (int round = 0; round < rounds; ++round) {
        const bool raw_first = round % 2 == 0;
        if (raw_first) run_slice(r.raw_sign, slice, raw_sign);
        run_slice(r.ours_sign, slice, ours_sign);
        if (!raw_first) run_slice(r.raw_sign, slice, raw_sign);
        if (raw_first) run_slice(r.raw_verify, slice, raw_verify);
        run_slice(r.ours_verify, slice, ours_verify);
        if (!raw_first) run_slice(r.raw_verify, slice, raw_verify);
    }
    return r;
}

// Rate of a sign followed by a verify, from the two separate rates.
double pair_rate(const Tally& sign, const Tally& verify) {
    return 1.0 / (1.0 / sign.rate() + 1.0 / verify.rate());
}

}  // namespace

int main(int argc, char** argv) {
    const double slice = argc > 1 ? std::atof(argv[1]) : 0.25;
    if (!(slice > 0)) fail("usage: bench_crypto [seconds-per-slice]");
    constexpr int rounds = 3;

    std::vector<std::uint8_t> message(1024);
    check(gnutls_rnd(GNUTLS_RND_NONCE, message.data(), message.size()), "random message");

    fmt::print("1 KiB message; rates in operations/s; ours/raw ratios (1.00 = no overhead)\n");
    fmt::print("{:<24} {:>10} {:>10} {:>6}  {:>10} {:>10} {:>6}  {:>8}\n", "algorithm", "raw sign",
               "our sign", "ratio", "raw vrfy", "our vrfy", "ratio", "pair");
    double ed25519_pair = 0;
    for (const auto algorithm :
         {SignatureAlgorithm::ed25519, SignatureAlgorithm::ed448, SignatureAlgorithm::ecdsa_secp256r1_sha256,
          SignatureAlgorithm::ecdsa_secp384r1_sha384, SignatureAlgorithm::ecdsa_secp521r1_sha512}) {
        const Result r = measure(algorithm, message, slice, rounds);
        const double pair = pair_rate(r.ours_sign, r.ours_verify) / pair_rate(r.raw_sign, r.raw_verify);
        if (algorithm == SignatureAlgorithm::ed25519) ed25519_pair = pair;
        fmt::print("{:<24} {:>10.0f} {:>10.0f} {:>6.3f}  {:>10.0f} {:>10.0f} {:>6.3f}  {:>8.3f}\n",
                   name_of(algorithm), r.raw_sign.rate(), r.ours_sign.rate(),
                   r.ours_sign.rate() / r.raw_sign.rate(), r.raw_verify.rate(), r.ours_verify.rate(),
                   r.ours_verify.rate() / r.raw_verify.rate(), pair);
        std::fflush(stdout);
    }
    fmt::print("\ned25519 sign+verify through the layer: {:.3f}x direct GnuTLS (target >= 0.90): {}\n",
               ed25519_pair, ed25519_pair >= 0.9 ? "met" : "NOT MET");
    return 0;
}

// Known answers against another implementation: keys, certificates and
// signatures made by the openssl command line verify with our layer, and
// ours verify with openssl; a flipped bit fails in both directions. OpenSSL's
// libcrypto converts ECDSA signatures between DER and r || s, independently
// of our own conversion.
#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <sys/wait.h>

#include <cstdlib>
#include <memory>

#include "smtpsec/signature.h"
#include "test_data.h"
#include "test_files.h"

using namespace smtpsec;
using smtpsec::testing::read_bytes;
using smtpsec::testing::TempDir;
using smtpsec::testing::write_file;
using Vec = std::vector<std::uint8_t>;

namespace {

struct EcdsaSigFree {
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

bool is_ecdsa(SignatureAlgorithm algorithm) {
    return algorithm != SignatureAlgorithm::ed25519 && algorithm != SignatureAlgorithm::ed448;
}

// DER (as openssl dgst writes it) -> r || s, with libcrypto.
Vec fixed_from_der(const Vec& der, std::size_t width, bool* short_value = nullptr) {
    const unsigned char* p = der.data();
    EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(sig);
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    if (short_value)
        *short_value = static_cast<std::size_t>(BN_num_bytes(r)) < width ||
                       static_cast<std::size_t>(BN_num_bytes(s)) < width;
    Vec fixed(2 * width);
    REQUIRE(BN_bn2binpad(r, fixed.data(), static_cast<int>(width)) == static_cast<int>(width));
    REQUIRE(BN_bn2binpad(s, fixed.data() + width, static_cast<int>(width)) == static_cast<int>(width));
    return fixed;
}

// r || s -> DER, with libcrypto.
Vec der_from_fixed(const Vec& fixed) {
    const int width = static_cast<int>(fixed.size() / 2);
    EcdsaSig sig(ECDSA_SIG_new());
    REQUIRE(sig);
    BIGNUM* r = BN_bin2bn(fixed.data(), width, nullptr);
    BIGNUM* s = BN_bin2bn(fixed.data() + width, width, nullptr);
    REQUIRE(r);
    REQUIRE(s);
    REQUIRE(ECDSA_SIG_set0(sig.get(), r, s) == 1);  // takes r and s
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    REQUIRE(length > 0);
    Vec der(static_cast<std::size_t>(length));
    unsigned char* p = der.data();
    REQUIRE(i2d_ECDSA_SIG(sig.get(), &p) == length);
    return der;
}

// One algorithm's files in a temp dir, made and checked with the openssl command.
class Openssl {
public:
    explicit Openssl(SignatureAlgorithm algorithm) : algorithm_(algorithm) {
        switch (algorithm) {
        case SignatureAlgorithm::ed25519: require_ok("genpkey -algorithm ed25519 -out " + key()); break;
        case SignatureAlgorithm::ed448: require_ok("genpkey -algorithm ed448 -out " + key()); break;
        default:
            // SEC1 ("EC PRIVATE KEY"), and the same key as PKCS#8 next to it.
            require_ok("ecparam -genkey -noout -name " + curve() + " -out " + key());
            break;
        }
        require_ok("pkcs8 -topk8 -nocrypt -in " + key() + " -out " + key_pkcs8());
        require_ok("req -x509 -new -key " + key() + " -subj /CN=interop.test -days 2 -out " + cert());
        require_ok("x509 -in " + cert() + " -pubkey -noout -out " + pub());
        require_ok("pkey -pubin -in " + pub() + " -outform DER -out " + pub_der());
    }

    std::string key() const { return dir_.file("key.pem"); }
    std::string key_pkcs8() const { return dir_.file("key-pkcs8.pem"); }
    std::string cert() const { return dir_.file("cert.pem"); }
    std::string pub() const { return dir_.file("pub.pem"); }
    std::string pub_der() const { return dir_.file("pub.der"); }
    std::string file(std::string_view name) const { return dir_.file(name); }

    // openssl's signature over `message`, in SMTPsec's fixed form.
    Vec sign(const Vec& message, bool* short_value = nullptr) const {
        write_file(file("msg.bin"), message);
        if (!is_ecdsa(algorithm_)) {
            require_ok("pkeyutl -sign -inkey " + key() + " -rawin -in " + file("msg.bin") + " -out " +
                       file("sig.bin"));
            return read_bytes(file("sig.bin"));
        }
        require_ok("dgst -" + digest() + " -sign " + key() + " -out " + file("sig.der") + " " +
                   file("msg.bin"));
        return fixed_from_der(read_bytes(file("sig.der")), signature_length(algorithm_) / 2, short_value);
    }

    // Whether openssl accepts a fixed-form signature over `message` with the certificate's key.
    bool verifies(const Vec& message, const Vec& signature) const {
        write_file(file("msg.bin"), message);
        if (!is_ecdsa(algorithm_)) {
            write_file(file("sig.bin"), signature);
            return run("pkeyutl -verify -certin -inkey " + cert() + " -rawin -in " + file("msg.bin") +
                       " -sigfile " + file("sig.bin"));
        }
        write_file(file("sig.der"), der_from_fixed(signature));
        return run("dgst -" + digest() + " -verify " + pub() + " -signature " + file("sig.der") + " " +
                   file("msg.bin"));
    }

    std::string log() const { return smtpsec::testing::read_text(file("openssl.log")); }

private:
    std::string curve() const {
        switch (algorithm_) {
        case SignatureAlgorithm::ecdsa_secp256r1_sha256: return "prime256v1";
        case SignatureAlgorithm::ecdsa_secp384r1_sha384: return "secp384r1";
        default: return "secp521r1";
        }
    }
    std::string digest() const {
        switch (algorithm_) {
        case SignatureAlgorithm::ecdsa_secp256r1_sha256: return "sha256";
        case SignatureAlgorithm::ecdsa_secp384r1_sha384: return "sha384";
        default: return "sha512";
        }
    }

    bool run(const std::string& arguments) const {
        const std::string command = "openssl " + arguments + " >>" + file("openssl.log") + " 2>&1";
        const int status = std::system(command.c_str());
        return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    void require_ok(const std::string& arguments) const {
        INFO("openssl " << arguments);
        const bool ok = run(arguments);
        INFO(log());
        REQUIRE(ok);
    }

    SignatureAlgorithm algorithm_;
    TempDir dir_;
};

Vec numbered_message(int i) {
    auto message = smtpsec::testing::sample_message(3 + static_cast<std::size_t>(i));
    message.push_back(static_cast<std::uint8_t>('0' + i % 10));
    return message;
}

int rounds(SignatureAlgorithm algorithm) { return is_ecdsa(algorithm) ? 16 : 3; }

}  // namespace

TEST_CASE("openssl's keys, certificates and signatures work with our layer", "[crypto][openssl]") {
    const auto algorithm = GENERATE(from_range(smtpsec::testing::all_algorithms));
    CAPTURE(name_of(algorithm));
    const Openssl openssl(algorithm);

    auto chain = load_certificate_chain_file(openssl.cert());
    REQUIRE(chain.has_value());
    REQUIRE(chain->size() == 1);
    auto verifier = VerifyingKey::from_certificate_der((*chain)[0].span());
    REQUIRE(verifier.has_value());
    CHECK(verifier->algorithm() == algorithm);

    int short_values = 0;
    for (int i = 0; i < rounds(algorithm); ++i) {
        CAPTURE(i);
        const auto message = numbered_message(i);
        bool short_value = false;
        const auto signature = openssl.sign(message, &short_value);
        short_values += short_value;
        REQUIRE(signature.size() == signature_length(algorithm));
        CHECK(verifier->verify(algorithm, message, signature) == VerifyStatus::valid);

        auto bad_signature = signature;
        bad_signature[static_cast<std::size_t>(i) % bad_signature.size()] ^= 0x40;
        CHECK(verifier->verify(algorithm, message, bad_signature) == VerifyStatus::bad_signature);
        auto bad_message = message;
        bad_message[static_cast<std::size_t>(i) * 7 % bad_message.size()] ^= 0x01;
        CHECK(verifier->verify(algorithm, bad_message, signature) == VerifyStatus::bad_signature);
    }
    // openssl's DER has short integers in about half of P-521's values: our
    // verifier saw the padded form of some (16 signatures miss it with p ~ 4^-16).
    if (algorithm == SignatureAlgorithm::ecdsa_secp521r1_sha512) CHECK(short_values > 0);
}

TEST_CASE("our signatures verify with openssl", "[crypto][openssl]") {
    const auto algorithm = GENERATE(from_range(smtpsec::testing::all_algorithms));
    CAPTURE(name_of(algorithm));
    const Openssl openssl(algorithm);

    auto identity = SigningIdentity::load(openssl.cert(), openssl.key());
    INFO((identity ? std::string() : identity.error()));
    REQUIRE(identity.has_value());
    CHECK(identity->key.algorithm() == algorithm);

    for (int i = 0; i < rounds(algorithm); ++i) {
        CAPTURE(i);
        const auto message = numbered_message(i);
        auto signature = identity->key.sign(message);
        REQUIRE(signature.has_value());
        REQUIRE(signature->size() == signature_length(algorithm));
        const bool accepted = openssl.verifies(message, *signature);
        INFO(openssl.log());
        CHECK(accepted);

        auto bad_signature = *signature;
        bad_signature[bad_signature.size() - 1 - static_cast<std::size_t>(i)] ^= 0x02;
        CHECK_FALSE(openssl.verifies(message, bad_signature));
        auto bad_message = message;
        bad_message[static_cast<std::size_t>(i) * 5 % bad_message.size()] ^= 0x80;
        CHECK_FALSE(openssl.verifies(bad_message, *signature));
    }
}

TEST_CASE("SEC1 and PKCS#8 forms of an openssl key load as the same key", "[crypto][openssl]") {
    const auto algorithm = GENERATE(from_range(smtpsec::testing::all_algorithms));
    CAPTURE(name_of(algorithm));
    const Openssl openssl(algorithm);

    auto native = SigningKey::from_pem_file(openssl.key());
    auto pkcs8 = SigningKey::from_pem_file(openssl.key_pkcs8());
    REQUIRE(native.has_value());
    REQUIRE(pkcs8.has_value());
    CHECK(native->algorithm() == algorithm);
    CHECK(pkcs8->algorithm() == algorithm);
    auto native_public = native->public_key_der();
    auto pkcs8_public = pkcs8->public_key_der();
    REQUIRE(native_public.has_value());
    REQUIRE(pkcs8_public.has_value());
    CHECK(*native_public == *pkcs8_public);
    // And it is the key in openssl's certificate, as openssl writes it.
    CHECK(*native_public == read_bytes(openssl.pub_der()));
}

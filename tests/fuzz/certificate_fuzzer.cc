// libFuzzer target for the certificate path of origin authentication
// (docs/decisions.md points 21 and 22; src/inbound/origin_auth.cc without the
// DNS): arbitrary DER as the leaf and the chain of a ClientHello, through the
// same pure functions the listener runs: the leaf's key for the signature
// check, the name check (dNSName, SRVName), TLSA matching (DANE-EE, DANE-TA),
// the CA path and the embedded SCTs, against a test PKI and CT log made at
// start.
//
// Input: a flag byte, a count byte, then parts each prefixed by a 2-byte
// big-endian length: the SRV target host D, the From domain F, then up to 4
// DER certificates (leaf first), then TLSA records (usage, selector,
// matching type, data), standing in for the DNSSEC answers.
// Flags: bit 0 adds a DANE-EE record made from the leaf itself (selector
// bit 1, matching type bits 2-3), so that only the name stands between the
// leaf and acceptance; bit 4 appends the test intermediate to the chain;
// bit 5 also reads the first certificate's bytes as a PEM chain.
// Count byte: low nibble = certificates (1-4), high nibble = TLSA records.
//
// Properties: no crash, no leak, no undefined behaviour (ASan+UBSan build);
// a certificate is never accepted for a name it does not carry: when
// authenticate() accepts, OpenSSL, reading the same DER independently,
// finds the accepted name in it (X509_check_host for D; the SRVName
// otherName "_smtpsec.F" in subjectAltName), whenever OpenSSL can read it.
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/signature.h"
#include "tls/auth.h"
#include "tls/ct_log_list.h"
#include "tls/ct_log_store.h"
#include "tls/names.h"
#include "tls/openssl_handles.h"
#include "tls/pki_helper.h"
#include "tls/sct_check.h"
#include "tls/tlsa.h"
#include "tls/x509_util.h"

using namespace smtpsec;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

struct World {
    testpki::TestPki pki;
    tls::TimePoint now = std::chrono::system_clock::now();
    tls::AuthPolicy policy = make_policy();
    tls::CtLogStore logs{tls::parse_ct_log_list(pki.log_list_json())};

    tls::AuthPolicy make_policy() const {
        tls::AuthPolicyConfig config;
        config.ca_pem = pki.ca_pem();
        config.ct_log_list_json = pki.log_list_json();
        config.ct = {1, 1};
        const auto when = now;
        config.clock = [when] { return when; };
        return tls::AuthPolicy(config);
    }
};

const World& world() {
    static const World w;
    return w;
}

struct Input {
    const std::uint8_t* p;
    std::size_t n;
    bool part(std::string_view& out) {
        if (n < 2) return false;
        std::size_t len = std::size_t(p[0]) << 8 | p[1];
        p += 2;
        n -= 2;
        if (len > n) len = n;
        out = {reinterpret_cast<const char*>(p), len};
        p += len;
        n -= len;
        return true;
    }
};

// Whether OpenSSL finds SRVName `wanted` (lowercase, no final dot) in the SAN.
bool openssl_has_srv_name(X509* x, const std::string& wanted) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return false;
    bool found = false;
    ASN1_OBJECT* srv_oid = OBJ_txt2obj("1.3.6.1.5.5.7.8.7", 1);
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_OTHERNAME || OBJ_cmp(g->d.otherName->type_id, srv_oid) != 0) continue;
        const ASN1_TYPE* v = g->d.otherName->value;
        if (v->type != V_ASN1_IA5STRING) continue;
        std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v->value.ia5string)),
                         std::size_t(ASN1_STRING_length(v->value.ia5string)));
        if (!text.empty() && text.back() == '.') text.pop_back();
        found = tls::normalize_domain(text) == wanted;
    }
    ASN1_OBJECT_free(srv_oid);
    GENERAL_NAMES_free(names);
    return found;
}

void check_accepted(const tls::AuthResult& result, const Bytes& leaf_der, std::string_view host,
                    std::string_view domain) {
    auto leaf = tls::ossl::x509_from_der(leaf_der.span());
    // GnuTLS is more lenient than OpenSSL in parts the decision never reads
    // (e.g. an odd tag inside a subject DN attribute); such a leaf cannot be
    // cross-checked, and DANE-EE rightly ignores those parts (RFC 7671 5.1).
    if (!leaf) return;
    if (result.name_kind == tls::NameKind::dns_name) {
        const std::string d = tls::normalize_domain(host);
        check(result.matched_name == d, "accepted for a name other than the target");
        check(X509_check_host(leaf.get(), d.data(), d.size(), 0, nullptr) == 1,
              "accepted for a host name the certificate does not carry");
    } else {
        const std::string wanted = "_smtpsec." + tls::normalize_domain(domain);
        check(result.matched_name == wanted, "accepted for an SRVName other than _smtpsec.F");
        check(openssl_has_srv_name(leaf.get(), wanted),
              "accepted for an SRVName the certificate does not carry");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const World& w = world();
    const std::uint8_t flags = data[0];
    const std::size_t cert_count = 1 + (data[1] & 0x0f) % 4;
    const std::size_t tlsa_count = (data[1] >> 4) % 5;
    Input in{data + 2, size - 2};
    std::string_view host, domain;
    if (!in.part(host) || !in.part(domain)) return 0;
    CertificateChain chain;
    for (std::size_t i = 0; i < cert_count; ++i) {
        std::string_view der;
        if (!in.part(der)) break;
        chain.push_back(Bytes::copy_of(der));
    }
    if (chain.empty()) return 0;
    if (flags & 0x10) chain.push_back(w.pki.intermediate.bytes());

    tls::AuthTarget target{std::string(host), 4650, {}};
    for (std::size_t i = 0; i < tlsa_count; ++i) {
        std::string_view r;
        if (!in.part(r) || r.size() < 3) break;
        target.tlsa.push_back({std::uint8_t(r[0]), std::uint8_t(r[1]), std::uint8_t(r[2]),
                               std::vector<std::uint8_t>(r.begin() + 3, r.end())});
    }

    // Flag bit 5: the first certificate's bytes as PEM text, read the way the
    // gateway reads its own chain (src/crypto/certificate_chain.cc).
    if (flags & 0x20) {
        const auto pem = chain.front().view();
        if (auto loaded = load_certificate_chain_pem(pem)) check(!loaded->empty(), "an empty chain loaded");
    }

    // What origin_auth.cc does first: the leaf's key checks the signature.
    if (auto key = VerifyingKey::from_certificate_der(chain.front().span())) {
        const std::vector<std::uint8_t> junk(132, 0x5a);
        for (auto algorithm : {SignatureAlgorithm::ed25519, SignatureAlgorithm::ecdsa_secp256r1_sha256})
            (void)key->verify(algorithm, junk, std::span(junk).first(signature_length(algorithm)));
    }

    auto leaf = tls::import_der(chain.front().span());
    if (leaf) {
        (void)tls::srv_names_of(leaf->get());
        (void)tls::subject_of(leaf->get());
        if (flags & 0x01) {
            const std::uint8_t selector = (flags >> 1) & 1;
            const std::uint8_t matching = ((flags >> 2) & 3) % 3;
            auto made = tls::tlsa_data(selector, matching, leaf->get());
            if (!made.empty()) target.tlsa.push_back({3, selector, matching, std::move(made)});
        }
    }

    const auto result = tls::authenticate(w.policy, chain, target, domain);
    check(!result.reason.empty(), "a verdict without a reason");
    static const bool verbose = std::getenv("SMTPSEC_FUZZ_VERBOSE") != nullptr;  // for triage
    if (verbose) std::fprintf(stderr, "%s: %s\n", result.ok ? "accepted" : "refused", result.reason.c_str());
    if (result.ok) check_accepted(result, chain.front(), host, domain);

    // The CT check alone, on whatever the leaf is, issued by the next certificate.
    const std::span<const std::uint8_t> issuer = chain.size() > 1 ? chain[1].span()
                                                                  : std::span<const std::uint8_t>();
    const auto ct = tls::check_embedded_scts(w.logs, chain.front().span(), issuer, w.now, {1, 1});
    check(!ct.detail.empty(), "a CT verdict without a reason");
    return 0;
}

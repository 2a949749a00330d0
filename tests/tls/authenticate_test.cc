// The authentication matrix of docs/decisions.md points 21/22 over a PKI, CT
// logs and TLSA records made at test time: each case asserts the verdict and
// the reason's words.
#include <catch2/catch.hpp>

#include "tls/auth.h"
#include "tls/pki_helper.h"

using namespace smtpsec;
using namespace smtpsec::tls;
using testpki::CertSpec;
using testpki::KeyType;
using testpki::LogListEntry;
using namespace std::chrono;
using Catch::Contains;

namespace {

const auto kNow = system_clock::now();

struct World {
    testpki::TestPki pki;
    testpki::CtLog unknown_log = testpki::CtLog::create("Unlisted log", "Nobody");
    testpki::CtLog second_log = testpki::CtLog::create("Second log", "Second operator");
    testpki::CtLog sibling_log = testpki::CtLog::create("Sibling log", "SMTPsec test operator");
    testpki::Key other_ca_key = testpki::Key::generate(KeyType::ecdsa_p256);
    testpki::Cert other_ca = testpki::issue(CertSpec::named("Unrelated CA").as_ca(), other_ca_key, nullptr,
                                            other_ca_key);
};

const World& world() {
    static const World w;
    return w;
}

struct PolicyOptions {
    bool ct_logs = true;
    CtRequirements ct{1, 1};
    std::optional<std::string> ca_pem;  // default: the test root
    std::vector<LogListEntry> logs;     // default: the test log, usable
    Clock clock;

    PolicyOptions& no_ct_logs() {
        ct_logs = false;
        return *this;
    }
    PolicyOptions& require(unsigned min_logs, unsigned min_operators) {
        ct = {min_logs, min_operators};
        return *this;
    }
    PolicyOptions& ca(std::string pem) {
        ca_pem = std::move(pem);
        return *this;
    }
    PolicyOptions& log(LogListEntry entry) {
        logs.push_back(std::move(entry));
        return *this;
    }
    PolicyOptions& at(TimePoint when) {
        clock = [when] { return when; };
        return *this;
    }
};

AuthPolicy policy(PolicyOptions options = {}) {
    AuthPolicyConfig config;
    config.ca_pem = options.ca_pem ? options.ca_pem : world().pki.ca_pem();
    if (options.ct_logs) {
        if (options.logs.empty()) options.logs.emplace_back(&world().pki.log);
        config.ct_log_list_json = testpki::log_list_json(options.logs);
    }
    config.ct = options.ct;
    config.clock = options.clock;
    return AuthPolicy(config);
}

testpki::SctSpec good_sct(const testpki::CtLog* log = nullptr) {
    return {log ? log : &world().pki.log, kNow - minutes(10)};
}

testpki::SctSpec bad_sct() { return {&world().pki.log, kNow - minutes(10), true}; }

// A leaf issued by the test intermediate; chain = [leaf, intermediate].
std::vector<Bytes> intermediate_chain(const CertSpec& spec) {
    static const testpki::Key leaf_key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto& pki = world().pki;
    const auto leaf = testpki::issue(spec, leaf_key, &pki.intermediate, pki.intermediate_key);
    return {leaf.bytes(), pki.intermediate.bytes()};
}

// A leaf for mx.b.test with one valid SCT.
CertSpec mx_b() { return CertSpec::named("mx.b.test").dns("mx.b.test").sct(good_sct()); }
// A leaf for mx.b.test with exactly these SCTs.
CertSpec mx_b_with(std::vector<testpki::SctSpec> scts) {
    CertSpec spec = CertSpec::named("mx.b.test").dns("mx.b.test");
    spec.scts = std::move(scts);
    return spec;
}

AuthTarget target(std::string host = "mx.b.test", std::vector<TlsaRecord> tlsa = {}) {
    return {std::move(host), 25, std::move(tlsa)};
}

TlsaRecord tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t type, const testpki::Cert& cert) {
    return {usage, selector, type, testpki::tlsa_data(cert, selector, type)};
}

testpki::Cert cert_of(const Bytes& der) {
    const unsigned char* p = der.data();
    return testpki::Cert(d2i_X509(nullptr, &p, long(der.size())));
}

struct SelfSigned {
    testpki::Key key = testpki::Key::generate(KeyType::ecdsa_p256);
    testpki::Cert cert;
    explicit SelfSigned(CertSpec spec) : cert(testpki::issue(spec, key, nullptr, key)) {}
    std::vector<Bytes> chain() const { return {cert.bytes()}; }
};

}  // namespace

TEST_CASE("CA-signed leaf valid for D with a valid SCT is accepted", "[tls][auth]") {
    const auto chain = intermediate_chain(mx_b());
    const auto r = authenticate(policy(), chain, target(), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.pkix);
    CHECK(r.ct_ok);
    CHECK_FALSE(r.dane_ee);
    CHECK_FALSE(r.dane_ta);
    CHECK(r.name_kind == NameKind::dns_name);
    CHECK(r.matched_name == "mx.b.test");
    CHECK(r.valid_scts == 1);
    CHECK_THAT(r.reason, Contains("CA verified") && Contains("1 valid SCT"));
    // D is compared case-insensitively, with or without the final dot.
    CHECK(authenticate(policy(), chain, target("MX.B.Test."), "b.test").ok);
}

TEST_CASE("a certificate for another name is refused", "[tls][auth]") {
    const auto r = authenticate(policy(), intermediate_chain(mx_b()), target("mx.evil.test"), "evil.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate not valid for mx.evil.test nor SRVName _smtpsec.evil.test"));
}

TEST_CASE("SRVName _smtpsec.<domain> is accepted in place of D", "[tls][auth]") {
    const auto chain = intermediate_chain(
        CertSpec::named("SMTPsec for b.test").srv("_smtpsec.b.test").sct(good_sct()));
    const auto r = authenticate(policy(), chain, target("mx.hosting.test"), "B.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.name_kind == NameKind::srv_name);
    CHECK(r.matched_name == "_smtpsec.b.test");
    CHECK_THAT(r.reason, Contains("SRVName _smtpsec.b.test"));
}

TEST_CASE("SRVName for another domain is refused", "[tls][auth]") {
    const auto chain = intermediate_chain(
        CertSpec::named("SMTPsec for c.test").srv("_smtpsec.c.test").sct(good_sct()));
    const auto r = authenticate(policy(), chain, target("mx.hosting.test"), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate not valid for mx.hosting.test nor SRVName _smtpsec.b.test"));
}

TEST_CASE("DANE-EE TLSA 3 1 1 accepts a self-signed leaf without CA or CT", "[tls][auth][dane]") {
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test"));
    const auto record = tlsa(3, 1, 1, self.cert);
    for (const auto& p : {policy(), policy(PolicyOptions().no_ct_logs())}) {
        const auto r = authenticate(p, self.chain(), target("mx.b.test", {record}), "b.test");
        INFO(r.reason);
        CHECK(r.ok);
        CHECK(r.dane_ee);
        CHECK_FALSE(r.pkix);
        CHECK_FALSE(r.ct_ok);
        CHECK(r.tlsa_matched == "3 1 1");
        CHECK_THAT(r.reason, Contains("DANE-EE TLSA 3 1 1 matched"));
    }
    // Other selectors and matching types.
    for (auto [selector, type] :
         std::initializer_list<std::pair<int, int>>{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 2}}) {
        const auto r = authenticate(
            policy(), self.chain(),
            target("mx.b.test", {tlsa(3, std::uint8_t(selector), std::uint8_t(type), self.cert)}), "b.test");
        CAPTURE(selector, type);
        CHECK(r.ok);
        CHECK(r.dane_ee);
    }
}

TEST_CASE("DANE-EE still requires the name", "[tls][auth][dane]") {
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test"));
    const auto r = authenticate(policy(), self.chain(), target("mx.c.test", {tlsa(3, 1, 1, self.cert)}),
                                "c.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate not valid for mx.c.test"));
}

TEST_CASE("DANE-EE ignores the validity dates (RFC 7671 5.1)", "[tls][auth][dane]") {
    const SelfSigned expired(
        CertSpec::named("mx.b.test").dns("mx.b.test").valid(kNow - hours(24 * 60), kNow - hours(24 * 30)));
    const auto r = authenticate(policy(), expired.chain(), target("mx.b.test", {tlsa(3, 1, 1, expired.cert)}),
                                "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.dane_ee);
}

TEST_CASE("TLSA 3 1 1 that does not match is refused, even for a CA-valid chain", "[tls][auth][dane]") {
    const SelfSigned other(CertSpec::named("other").dns("mx.b.test"));
    const auto record = tlsa(3, 1, 1, other.cert);
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test"));
    auto r = authenticate(policy(), self.chain(), target("mx.b.test", {record}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(
        r.reason,
        Contains("no TLSA record of _25._tcp.mx.b.test satisfied: TLSA 3 1 1 does not match the leaf"));

    r = authenticate(policy(), intermediate_chain(mx_b()), target("mx.b.test", {record}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("TLSA 3 1 1 does not match the leaf"));
}

TEST_CASE("DANE-TA 2 0 1 and 2 1 1 on the intermediate stand in for the public CA", "[tls][auth][dane]") {
    const auto& pki = world().pki;
    // A CA store that does not know our hierarchy: only the TLSA anchor can make it pass.
    const auto foreign_ca = policy(PolicyOptions().ca(world().other_ca.pem()));
    const auto chain = intermediate_chain(mx_b());
    for (const auto& record : {tlsa(2, 0, 1, pki.intermediate), tlsa(2, 1, 1, pki.intermediate)}) {
        const auto r = authenticate(foreign_ca, chain, target("mx.b.test", {record}), "b.test");
        INFO(r.reason);
        CHECK(r.ok);
        CHECK(r.dane_ta);
        CHECK_FALSE(r.pkix);
        CHECK(r.ct_ok);
        CHECK(r.tlsa_matched == tlsa_label(record));
    }
    // Without the TLSA record the same chain fails against that store.
    const auto r = authenticate(foreign_ca, chain, target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("CA verification failed"));
}

TEST_CASE("DANE-TA on a root that the chain carries", "[tls][auth][dane]") {
    const auto& pki = world().pki;
    auto chain = intermediate_chain(mx_b());
    chain.push_back(pki.root.bytes());
    const auto r = authenticate(policy(PolicyOptions().ca(world().other_ca.pem())), chain,
                                target("mx.b.test", {tlsa(2, 0, 2, pki.root)}), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.dane_ta);
}

TEST_CASE("DANE-TA still needs Certificate Transparency (point 21)", "[tls][auth][dane]") {
    const auto r = authenticate(policy(), intermediate_chain(mx_b_with({})),
                                target("mx.b.test", {tlsa(2, 0, 1, world().pki.intermediate)}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK(r.dane_ta);
    CHECK_THAT(r.reason, Contains("certificate transparency: no valid SCT from a trusted log"));
}

TEST_CASE("DANE-TA attack: a leaf from another CA next to the real anchor is refused", "[tls][auth][dane]") {
    // Recipe 5: [leaf signed by an attacker CA, attacker CA, real TA] with
    // TLSA 2 0 1 <real TA>. libgnutls-dane calls this a match; it is not.
    const auto& pki = world().pki;
    const auto attacker_key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto attacker_ca = testpki::issue(CertSpec::named("Attacker CA").as_ca(), attacker_key, nullptr,
                                            attacker_key);
    const auto leaf_key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto leaf = testpki::issue(mx_b(), leaf_key, &attacker_ca, attacker_key);
    const std::vector<Bytes> chain{leaf.bytes(), attacker_ca.bytes(), pki.intermediate.bytes()};
    const auto r = authenticate(policy(), chain, target("mx.b.test", {tlsa(2, 0, 1, pki.intermediate)}),
                                "b.test");
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.dane_ta);
    CHECK_THAT(r.reason, Contains("TLSA 2 0 1 matched issuer") && Contains("SMTPsec Test Intermediate") &&
                             Contains("but chain does not verify to it"));
}

TEST_CASE("DANE-TA matching only the leaf is no trust anchor", "[tls][auth][dane]") {
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test").sct(good_sct()));
    const auto r = authenticate(policy(), self.chain(), target("mx.b.test", {tlsa(2, 0, 1, self.cert)}),
                                "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("matches no issuer certificate in the chain (it matches the leaf"));
}

TEST_CASE("DANE-TA checks validity dates on the path", "[tls][auth][dane]") {
    auto spec = mx_b_with({{&world().pki.log, kNow - hours(24 * 59)}});
    spec.valid(kNow - hours(24 * 60), kNow - hours(24 * 30));
    const auto r = authenticate(policy(), intermediate_chain(spec),
                                target("mx.b.test", {tlsa(2, 0, 1, world().pki.intermediate)}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("TLSA 2 0 1 matched issuer") && Contains("certificate expired at"));
}

TEST_CASE("PKIX-EE and PKIX-TA records need the CA path as well", "[tls][auth][dane]") {
    const auto& pki = world().pki;
    const auto chain = intermediate_chain(mx_b());
    const auto leaf = cert_of(chain[0]);

    auto r = authenticate(policy(), chain, target("mx.b.test", {tlsa(1, 1, 1, leaf)}), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.pkix);
    CHECK(r.tlsa_matched == "1 1 1");

    // The root is not in the chain: PKIX-TA matches the anchor the path ends in.
    r = authenticate(policy(), chain, target("mx.b.test", {tlsa(0, 0, 1, pki.root)}), "b.test");
    CHECK(r.ok);
    CHECK(r.tlsa_matched == "0 0 1");

    r = authenticate(policy(), chain, target("mx.b.test", {tlsa(0, 0, 1, world().other_ca)}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("TLSA 0 0 1 matches no certificate on the CA path"));

    // A matching PKIX-EE record does not replace the CA.
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test").sct(good_sct()));
    r = authenticate(policy(), self.chain(), target("mx.b.test", {tlsa(1, 1, 1, self.cert)}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("TLSA 1 1 1 needs a CA-verified chain"));
}

TEST_CASE("only unusable TLSA records: as if there were none (RFC 7671 4.1)", "[tls][auth][dane]") {
    const auto chain = intermediate_chain(mx_b());
    const std::vector<TlsaRecord> unusable{{4, 1, 1, std::vector<std::uint8_t>(32)},
                                           {3, 2, 1, std::vector<std::uint8_t>(32)},
                                           {3, 1, 7, std::vector<std::uint8_t>(32)},
                                           {3, 1, 1, std::vector<std::uint8_t>(31)}};
    const auto r = authenticate(policy(), chain, target("mx.b.test", unusable), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.pkix);
    CHECK(r.tlsa_matched.empty());
}

TEST_CASE("a chain that does not verify to a trusted CA is refused", "[tls][auth]") {
    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test").sct(good_sct()));
    const auto r = authenticate(policy(), self.chain(), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.pkix);
    CHECK_THAT(r.reason, Contains("CA verification failed") && Contains("NOT trusted"));
}

TEST_CASE("SCT problems are refused with the reason", "[tls][auth][ct]") {
    SECTION("missing SCT") {
        const auto r = authenticate(policy(), intermediate_chain(mx_b_with({})), target(), "b.test");
        CHECK_FALSE(r.ok);
        CHECK(r.pkix);
        CHECK_FALSE(r.ct_ok);
        CHECK_THAT(
            r.reason,
            Contains(
                "certificate transparency: no valid SCT from a trusted log (no SCT in the certificate)"));
    }
    SECTION("invalid signature") {
        const auto r = authenticate(policy(), intermediate_chain(mx_b_with({bad_sct()})), target(), "b.test");
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.reason,
                   Contains("no valid SCT from a trusted log (1 SCT: #1 log \"SMTPsec test log\"") &&
                       Contains("signature invalid"));
    }
    SECTION("unknown log") {
        const auto r = authenticate(policy(), intermediate_chain(mx_b_with({good_sct(&world().unknown_log)})),
                                    target(), "b.test");
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.reason, Contains("no valid SCT from a trusted log (1 SCT: #1 log unknown"));
    }
    SECTION("future-dated SCT") {
        const auto r = authenticate(policy(),
                                    intermediate_chain(mx_b_with({{&world().pki.log, kNow + hours(24)}})),
                                    target(), "b.test");
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.reason, Contains("is in the future"));
    }
    SECTION("SCT dated after the injected clock") {
        // The SCT is from kNow - 10 min; the clock says kNow - 30 min.
        const auto p = policy(PolicyOptions().at(kNow - minutes(30)));
        const auto r = authenticate(
            p, intermediate_chain(mx_b().valid(kNow - hours(2), kNow + hours(24 * 90))), target(), "b.test");
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.reason, Contains("is in the future"));
    }
}

TEST_CASE("an SCT one valid among bad ones is enough when one log is required", "[tls][auth][ct]") {
    const auto r = authenticate(
        policy(), intermediate_chain(mx_b_with({bad_sct(), good_sct(&world().unknown_log), good_sct()})),
        target(), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.valid_scts == 1);
    CHECK_THAT(r.reason,
               Contains("3 SCTs") && Contains("#3 log \"SMTPsec test log\" (SMTPsec test operator): ok"));
}

TEST_CASE("distinct logs and operators are counted", "[tls][auth][ct]") {
    const auto& w = world();
    const auto strict = policy(PolicyOptions()
                                   .require(2, 2)
                                   .log(LogListEntry(&w.pki.log))
                                   .log(LogListEntry(&w.second_log))
                                   .log(LogListEntry(&w.sibling_log)));
    CHECK(strict.ct_requirements().min_logs == 2);

    auto r = authenticate(strict, intermediate_chain(mx_b()), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("only 1 valid SCT from distinct trusted logs, 2 required"));

    r = authenticate(strict, intermediate_chain(mx_b_with({good_sct(), good_sct()})), target(), "b.test");
    CHECK_FALSE(r.ok);  // the same log twice counts once
    CHECK_THAT(r.reason, Contains("only 1 valid SCT"));

    r = authenticate(strict, intermediate_chain(mx_b_with({good_sct(), good_sct(&w.sibling_log)})), target(),
                     "b.test");
    CHECK_FALSE(r.ok);  // two logs, one operator
    CHECK_THAT(r.reason, Contains("valid SCTs from only 1 log operator, 2 required"));

    r = authenticate(strict, intermediate_chain(mx_b_with({good_sct(), good_sct(&w.second_log)})), target(),
                     "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.valid_scts == 2);
}

TEST_CASE("log state and temporal interval apply to SCTs", "[tls][auth][ct]") {
    const auto& log = world().pki.log;
    const auto chain = intermediate_chain(mx_b());
    auto with = [&](LogListEntry entry) {
        return authenticate(policy(PolicyOptions().log(std::move(entry))), chain, target(), "b.test");
    };

    CHECK(with(LogListEntry(&log, "qualified")).ok);
    CHECK(with(LogListEntry(&log, "retired", kNow)).ok);  // SCT from before the retirement
    auto r = with(LogListEntry(&log, "retired", kNow - hours(1)));
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("log retired since"));
    r = with(LogListEntry(&log, "rejected"));
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("log state rejected"));
    r = with(LogListEntry(&log, "pending"));
    CHECK_FALSE(r.ok);
    r = with(LogListEntry(&log, ""));
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("log state no state"));

    LogListEntry sharded(&log);
    sharded.temporal_interval = {kNow, kNow + hours(24 * 365)};
    CHECK(with(sharded).ok);  // the leaf expires in 90 days
    sharded.temporal_interval = {kNow + hours(24 * 365), kNow + hours(24 * 730)};
    r = with(sharded);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("outside the log's temporal interval"));
}

TEST_CASE("expired and not-yet-valid certificates are refused", "[tls][auth]") {
    auto spec = mx_b_with({{&world().pki.log, kNow - hours(24 * 59)}});
    spec.valid(kNow - hours(24 * 60), kNow - hours(24 * 30));
    auto r = authenticate(policy(), intermediate_chain(spec), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("CA verification failed: certificate expired at ") &&
                             Contains("CN=mx.b.test") && Contains("chain position 0"));

    spec = mx_b();
    spec.valid(kNow + hours(24), kNow + hours(24 * 90));
    r = authenticate(policy(), intermediate_chain(spec), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate not valid before"));

    // The injected clock decides: 200 days on, the 90-day leaf has expired.
    const auto later = policy(PolicyOptions().at(kNow + hours(24 * 200)));
    r = authenticate(later, intermediate_chain(mx_b()), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate expired at"));
}

TEST_CASE("an expired intermediate is refused", "[tls][auth]") {
    const auto& pki = world().pki;
    const auto inter_key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto old_inter = testpki::issue(
        CertSpec::named("Old Intermediate").as_ca().valid(kNow - hours(24 * 400), kNow - hours(24)),
        inter_key, &pki.root, pki.root_key);
    const auto leaf_key = testpki::Key::generate(KeyType::ecdsa_p256);
    const auto leaf = testpki::issue(mx_b(), leaf_key, &old_inter, inter_key);
    const auto r = authenticate(policy(), std::vector<Bytes>{leaf.bytes(), old_inter.bytes()}, target(),
                                "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate expired at") && Contains("Old Intermediate") &&
                             Contains("chain position 1"));
}

TEST_CASE("the leaf's issuer may be the trust anchor itself", "[tls][auth][ct]") {
    // Only the leaf is sent; the intermediate is the configured CA. The SCT's
    // issuer key hash must then come from the anchor.
    const auto chain = intermediate_chain(mx_b());
    const auto r = authenticate(policy(PolicyOptions().ca(world().pki.intermediate.pem())),
                                std::span(chain).first(1), target(), "b.test");
    INFO(r.reason);
    CHECK(r.ok);
    CHECK(r.ct_ok);
}

TEST_CASE("without a CT log list only DANE-EE is accepted", "[tls][auth][ct]") {
    const auto no_ct = policy(PolicyOptions().no_ct_logs());
    CHECK_FALSE(no_ct.has_ct_logs());
    auto r = authenticate(no_ct, intermediate_chain(mx_b()), target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK(r.pkix);
    CHECK_THAT(r.reason,
               Contains("no CT log list configured: only a certificate matched by a DANE-EE TLSA record"));

    r = authenticate(no_ct, intermediate_chain(mx_b()),
                     target("mx.b.test", {tlsa(2, 0, 1, world().pki.intermediate)}), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("no CT log list configured"));

    const SelfSigned self(CertSpec::named("mx.b.test").dns("mx.b.test"));
    r = authenticate(no_ct, self.chain(), target("mx.b.test", {tlsa(3, 1, 1, self.cert)}), "b.test");
    CHECK(r.ok);
    CHECK(r.dane_ee);
}

TEST_CASE("every SMTPsec key type authenticates", "[tls][auth]") {
    for (auto type : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::ed25519,
                      KeyType::ed448, KeyType::rsa2048}) {
        CAPTURE(int(type));
        const auto leaf = world().pki.leaf({"mx.b.test"}, {}, type);
        const auto r = authenticate(policy(), leaf.der(), target(), "b.test");
        INFO(r.reason);
        CHECK(r.ok);
    }
}

TEST_CASE("malformed chains are refused", "[tls][auth]") {
    CHECK_THAT(authenticate(policy(), {}, target(), "b.test").reason, Contains("empty certificate chain"));
    auto chain = intermediate_chain(mx_b());
    chain[1] = Bytes::copy_of(std::string_view("not a certificate"));
    const auto r = authenticate(policy(), chain, target(), "b.test");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.reason, Contains("certificate at chain position 1 does not parse"));
    const std::vector<Bytes> long_chain(17, chain[0]);
    CHECK_THAT(authenticate(policy(), long_chain, target(), "b.test").reason, Contains("at most 16"));
}

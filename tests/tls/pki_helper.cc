// OpenSSL-based certificate and SCT factory for tests (see pki_helper.h).
#include "tls/pki_helper.h"

#include <openssl/bio.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace smtpsec::testpki {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using SctList = std::unique_ptr<STACK_OF(SCT), Deleter<STACK_OF(SCT), SCT_LIST_free>>;

[[noreturn]] void fail(const std::string& what) {
    const unsigned long code = ERR_get_error();
    char detail[256] = "";
    if (code) ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    throw std::runtime_error("test PKI: " + what + (code ? std::string(": ") + detail : ""));
}

void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, std::size_t(size));
}

// `encode` is an OpenSSL i2d call: size with nullptr, then writes.
template <class Encode>
std::vector<std::uint8_t> to_der(Encode encode) {
    const int size = encode(nullptr);
    check(size > 0, "DER encoding");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    unsigned char* p = out.data();
    check(encode(&p) == size, "DER encoding");
    return out;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
    std::array<std::uint8_t, 32> out{};
    SHA256(data.data(), data.size(), out.data());
    return out;
}

std::string base64(std::span<const std::uint8_t> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    out.resize(std::size_t(
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), int(bytes.size()))));
    return out;
}

std::string rfc3339(TimePoint when) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&t, &parts);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return buf;
}

const EVP_MD* digest_for(KeyType type) {
    switch (type) {
    case KeyType::ecdsa_p384: return EVP_sha384();
    case KeyType::ecdsa_p521: return EVP_sha512();
    case KeyType::ed25519:
    case KeyType::ed448: return nullptr;  // EdDSA signs the message itself
    default: return EVP_sha256();
    }
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    Extension ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

void add_subject_alt_names(X509* cert, const CertSpec& spec) {
    if (spec.dns_names.empty() && spec.srv_names.empty() && spec.ip_addresses.empty()) return;
    GeneralNames names(GENERAL_NAMES_new());
    check(names != nullptr, "GENERAL_NAMES_new");
    for (const auto& dns : spec.dns_names) {
        GENERAL_NAME* name = GENERAL_NAME_new();
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        check(name && text && ASN1_STRING_set(text, dns.data(), int(dns.size())) == 1, "dNSName");
        GENERAL_NAME_set0_value(name, GEN_DNS, text);
        sk_GENERAL_NAME_push(names.get(), name);
    }
    for (const auto& srv : spec.srv_names) {
        // RFC 4985: otherName { id-on-dnsSRV, [0] EXPLICIT IA5String }
        GENERAL_NAME* name = GENERAL_NAME_new();
        ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.8.7", 1);
        ASN1_TYPE* value = ASN1_TYPE_new();
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        check(name && oid && value && text && ASN1_STRING_set(text, srv.data(), int(srv.size())) == 1,
              "SRVName");
        ASN1_TYPE_set(value, V_ASN1_IA5STRING, text);
        check(GENERAL_NAME_set0_othername(name, oid, value) == 1, "SRVName otherName");
        sk_GENERAL_NAME_push(names.get(), name);
    }
    for (const auto& ip : spec.ip_addresses) {
        ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
        GENERAL_NAME* name = GENERAL_NAME_new();
        check(octets && name, "iPAddress");
        GENERAL_NAME_set0_value(name, GEN_IPADD, octets);
        sk_GENERAL_NAME_push(names.get(), name);
    }
    check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_APPEND) == 1,
          "subjectAltName");
}

void put_u(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(std::uint8_t(value >> (8 * i)));
}

// RFC 6962 3.2: the signed data of a precert_entry SCT.
std::vector<std::uint8_t> sct_signed_data(std::uint64_t timestamp_ms,
                                          std::span<const std::uint8_t> issuer_spki,
                                          std::span<const std::uint8_t> tbs) {
    std::vector<std::uint8_t> out;
    out.push_back(0);  // sct_version v1
    out.push_back(0);  // signature_type certificate_timestamp
    put_u(out, timestamp_ms, 8);
    put_u(out, 1, 2);  // entry_type precert_entry
    const auto key_hash = sha256(issuer_spki);
    out.insert(out.end(), key_hash.begin(), key_hash.end());
    put_u(out, tbs.size(), 3);
    out.insert(out.end(), tbs.begin(), tbs.end());
    put_u(out, 0, 2);  // no CtExtensions
    return out;
}

std::vector<std::uint8_t> sign_sha256(EVP_PKEY* key, std::span<const std::uint8_t> data) {
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    check(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestSign(ctx.get(), nullptr, &size, data.data(), data.size()) == 1,
          "SCT signature");
    std::vector<std::uint8_t> sig(size);
    check(EVP_DigestSign(ctx.get(), sig.data(), &size, data.data(), data.size()) == 1, "SCT signature");
    sig.resize(size);
    return sig;
}

void sign_cert(X509* cert, const Key& signer) {
    check(X509_sign(cert, signer.get(), digest_for(signer.type())) > 0, "X509_sign");
}

}  // namespace

Key Key::generate(KeyType type) {
    EVP_PKEY* raw = nullptr;
    switch (type) {
    case KeyType::ecdsa_p256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyType::ecdsa_p384: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case KeyType::ecdsa_p521: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"); break;
    case KeyType::ed25519: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case KeyType::ed448: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"); break;
    case KeyType::rsa2048: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048)); break;
    }
    check(raw != nullptr, "key generation");
    Key key;
    key.key_.reset(raw, EVP_PKEY_free);
    key.type_ = type;
    return key;
}

std::string Key::private_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(bio && PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "private key PEM");
    return bio_text(bio.get());
}

std::vector<std::uint8_t> Key::spki_der() const {
    return to_der([&](unsigned char** p) { return i2d_PUBKEY(key_.get(), p); });
}

Cert::Cert(X509* owned) : cert_(owned, X509_free) {}

std::vector<std::uint8_t> Cert::der() const {
    return to_der([&](unsigned char** p) { return i2d_X509(cert_.get(), p); });
}

std::string Cert::pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(bio && PEM_write_bio_X509(bio.get(), cert_.get()) == 1, "certificate PEM");
    return bio_text(bio.get());
}

CtLog CtLog::create(std::string description, std::string operator_name) {
    return CtLog{Key::generate(KeyType::ecdsa_p256), std::move(description), std::move(operator_name)};
}

std::array<std::uint8_t, 32> CtLog::id() const { return sha256(key.spki_der()); }

Cert issue(const CertSpec& spec, const Key& subject_key, const Cert* issuer, const Key& signer_key) {
    Cert cert(X509_new());
    X509* x = cert.get();
    check(x != nullptr && X509_set_version(x, X509_VERSION_3) == 1, "X509_new");

    std::uint64_t serial = 0;
    check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) == 1, "serial");
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), (serial >> 1) | 1) == 1, "serial");
    check(ASN1_TIME_set(X509_getm_notBefore(x), std::chrono::system_clock::to_time_t(spec.not_before)) &&
              ASN1_TIME_set(X509_getm_notAfter(x), std::chrono::system_clock::to_time_t(spec.not_after)),
          "validity");

    X509_NAME* subject = X509_get_subject_name(x);
    check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1,
                                     0) == 1,
          "subject");
    check(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->get()) : subject) == 1, "issuer");
    check(X509_set_pubkey(x, subject_key.get()) == 1, "public key");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer->get() : x, x, nullptr, nullptr, 0);
    add_extension(x, &ctx, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_extension(x, &ctx, NID_key_usage,
                  spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (!spec.ca) add_extension(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");
    add_extension(x, &ctx, NID_authority_key_identifier, "keyid:always");
    add_subject_alt_names(x, spec);
    sign_cert(x, signer_key);

    if (!spec.scts.empty()) {
        // The log signs the precertificate's TBS, which is this certificate's
        // TBS without the SCT list (RFC 6962 3.2): take it before adding the list.
        const auto tbs = to_der([&](unsigned char** p) { return i2d_re_X509_tbs(x, p); });
        const auto issuer_spki = signer_key.spki_der();
        SctList list(sk_SCT_new_null());
        check(list != nullptr, "SCT list");
        for (const auto& wanted : spec.scts) {
            const auto ms = std::uint64_t(
                std::chrono::duration_cast<std::chrono::milliseconds>(wanted.timestamp.time_since_epoch())
                    .count());
            auto data = sct_signed_data(ms, issuer_spki, tbs);
            if (wanted.corrupt_signature) data.back() ^= 1;
            const auto signature = sign_sha256(wanted.log->key.get(), data);
            const auto id = wanted.log->id();
            SCT* sct = SCT_new();
            check(sct != nullptr && SCT_set_version(sct, SCT_VERSION_V1) == 1 &&
                      SCT_set_log_entry_type(sct, CT_LOG_ENTRY_TYPE_PRECERT) == 1 &&
                      SCT_set1_log_id(sct, id.data(), id.size()) == 1,
                  "SCT");
            SCT_set_timestamp(sct, ms);
            check(SCT_set_signature_nid(sct, NID_ecdsa_with_SHA256) == 1 &&
                      SCT_set1_signature(sct, signature.data(), signature.size()) == 1,
                  "SCT signature fields");
            sk_SCT_push(list.get(), sct);
        }
        check(X509_add1_ext_i2d(x, NID_ct_precert_scts, list.get(), 0, X509V3_ADD_APPEND) == 1,
              "SCT extension");
        sign_cert(x, signer_key);
    }
    return cert;
}

std::vector<std::uint8_t> tlsa_data(const Cert& cert, int selector, int matching_type) {
    const auto selected = selector == 0 ? cert.der() : to_der([&](unsigned char** p) {
        return i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), p);
    });
    if (matching_type == 0) return selected;
    std::vector<std::uint8_t> out(matching_type == 1 ? 32 : 64);
    if (matching_type == 1)
        SHA256(selected.data(), selected.size(), out.data());
    else
        SHA512(selected.data(), selected.size(), out.data());
    return out;
}

std::string log_list_json(std::span<const LogListEntry> logs) {
    using nlohmann::json;
    json operators = json::array();
    for (const auto& entry : logs) {
        json log = {{"description", entry.log->description},
                    {"log_id", base64(entry.log->id())},
                    {"key", base64(entry.log->key.spki_der())},
                    {"url", "https://ct.invalid/" + entry.log->description + "/"},
                    {"mmd", 86400}};
        if (!entry.state.empty()) log["state"] = {{entry.state, {{"timestamp", rfc3339(entry.state_since)}}}};
        if (entry.temporal_interval)
            log["temporal_interval"] = {{"start_inclusive", rfc3339(entry.temporal_interval->first)},
                                        {"end_exclusive", rfc3339(entry.temporal_interval->second)}};
        json* op = nullptr;
        for (auto& existing : operators)
            if (existing["name"] == entry.log->operator_name) op = &existing;
        if (!op) {
            operators.push_back({{"name", entry.log->operator_name},
                                 {"email", json::array({"ct@invalid"})},
                                 {"logs", json::array()}});
            op = &operators.back();
        }
        (*op)["logs"].push_back(std::move(log));
    }
    json root = {{"version", "test"},
                 {"log_list_timestamp", rfc3339(std::chrono::system_clock::now())},
                 {"operators", std::move(operators)}};
    return root.dump(2);
}

std::string chain_pem(std::span<const Cert> chain) {
    std::string out;
    for (const auto& cert : chain) out += cert.pem();
    return out;
}

std::vector<Bytes> der_chain(std::span<const Cert> chain) {
    std::vector<Bytes> out;
    for (const auto& cert : chain) out.push_back(cert.bytes());
    return out;
}

void write_file(const std::filesystem::path& path, std::string_view contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), std::streamsize(contents.size()));
    if (!out) throw std::runtime_error("test PKI: cannot write " + path.string());
}

TestPki::TestPki()
    : root_key(Key::generate(KeyType::ecdsa_p256)),
      root(issue(CertSpec::named("SMTPsec Test Root")
                     .as_ca()
                     .valid(std::chrono::system_clock::now() - std::chrono::hours(24 * 30),
                            std::chrono::system_clock::now() + std::chrono::hours(24 * 3650)),
                 root_key, nullptr, root_key)),
      intermediate_key(Key::generate(KeyType::ecdsa_p256)),
      intermediate(issue(CertSpec::named("SMTPsec Test Intermediate")
                             .as_ca()
                             .valid(std::chrono::system_clock::now() - std::chrono::hours(24 * 30),
                                    std::chrono::system_clock::now() + std::chrono::hours(24 * 1825)),
                         intermediate_key, &root, root_key)),
      log(CtLog::create("SMTPsec test log", "SMTPsec test operator")) {}

TestPki::Leaf TestPki::leaf(std::vector<std::string> dns_names, std::vector<std::string> srv_names,
                            KeyType key_type, bool with_sct) const {
    Leaf leaf{Key::generate(key_type), {}};
    CertSpec spec = CertSpec::named(!dns_names.empty()   ? dns_names.front()
                                    : !srv_names.empty() ? srv_names.front()
                                                         : "SMTPsec test leaf");
    spec.dns_names = std::move(dns_names);
    spec.srv_names = std::move(srv_names);
    if (with_sct) spec.sct({&log, std::chrono::system_clock::now() - std::chrono::minutes(5)});
    leaf.chain.push_back(issue(spec, leaf.key, &intermediate, intermediate_key));
    leaf.chain.push_back(intermediate);
    return leaf;
}

std::string TestPki::log_list_json() const {
    const LogListEntry entry(&log);
    return testpki::log_list_json(std::span(&entry, 1));
}

TestPki::Files TestPki::write(const Leaf& leaf, const std::filesystem::path& dir, const std::string& stem) {
    Files files{dir / (stem + ".crt"), dir / (stem + ".key")};
    write_file(files.cert, chain_pem(leaf.chain));
    write_file(files.key, leaf.key.private_pem());
    std::filesystem::permissions(files.key,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return files;
}

}  // namespace smtpsec::testpki

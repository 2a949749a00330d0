// See config_files.h.
#include "daemon/config_files.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "crypto/read_file.h"
#include "net/unique_fd.h"
#include "smtpsec/signature.h"

namespace smtpsec::daemon {
namespace {

// The crypto layer's texts start with "PATH: "; the loader quotes the path itself.
std::string without_path(const std::string& text, const std::string& path) {
    const std::string prefix = path + ": ";
    return text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
}

struct CredentialsDeleter {
    void operator()(gnutls_certificate_credentials_st* c) const { gnutls_certificate_free_credentials(c); }
};
struct X509KeyDeleter {
    void operator()(gnutls_x509_privkey_int* k) const { gnutls_x509_privkey_deinit(k); }
};
struct TrustListDeleter {
    void operator()(gnutls_x509_trust_list_st* t) const { gnutls_x509_trust_list_deinit(t, 1); }
};

// Frees a certificate list GnuTLS allocated (gnutls_x509_crt_list_import2,
// gnutls_certificate_get_x509_crt).
class CertificateList {
public:
    CertificateList() = default;
    CertificateList(const CertificateList&) = delete;
    CertificateList& operator=(const CertificateList&) = delete;
    ~CertificateList() {
        for (unsigned i = 0; i < size_; ++i) gnutls_x509_crt_deinit(certs_[i]);
        gnutls_free(certs_);
    }
    gnutls_x509_crt_t** array_out() { return &certs_; }
    unsigned* size_out() { return &size_; }
    unsigned size() const { return size_; }
    gnutls_x509_crt_t front() const { return certs_[0]; }  // size() > 0

private:
    gnutls_x509_crt_t* certs_ = nullptr;
    unsigned size_ = 0;
};

}  // namespace

FileProblem check_readable_file(const std::string& path) {
    net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return fmt::format("cannot read \"{}\": {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fmt::format("cannot read \"{}\": {}", path, std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return fmt::format("\"{}\" is a directory, not a file", path);
    if (!S_ISREG(st.st_mode)) return fmt::format("\"{}\" is not a regular file", path);
    return std::nullopt;
}

FileProblem private_key_exposed(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IROTH | S_IWOTH)) == 0) return std::nullopt;
    return fmt::format(
        "\"{}\" is {} by every user of this host (mode {:04o}): anyone here can sign or serve "
        "TLS as this gateway; make it readable by the daemon's group only (chmod 0640, "
        "chgrp smtpsec) and consider the key compromised",
        path, (st.st_mode & S_IWOTH) ? "writable" : "readable", st.st_mode & 07777);
}

FileProblem check_socket_directory(const std::string& socket_path) {
    const std::filesystem::path dir = std::filesystem::path(socket_path).parent_path();
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return fmt::format("\"{}\" is not a directory", dir.string());
        return std::nullopt;
    }
    if (errno != ENOENT) return fmt::format("cannot access \"{}\": {}", dir.string(), std::strerror(errno));
    if (dir.parent_path() == "/run" || dir.parent_path() == "/var/run") return std::nullopt;
    return fmt::format(
        "the socket's directory \"{}\" does not exist (smtpsecd does not create it; for "
        "Postfix's chroot: install -d -o smtpsec -g postfix -m 0750 {})",
        dir.string(), dir.string());
}

FileProblem check_directory_or_parent(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return fmt::format("\"{}\" is not a directory", path);
        return std::nullopt;
    }
    if (errno != ENOENT) return fmt::format("cannot access \"{}\": {}", path, std::strerror(errno));
    std::filesystem::path p(path);
    if (!p.has_filename()) p = p.parent_path();  // "/a/b/" -> "/a/b"
    const std::string parent = p.parent_path().string();
    if (::stat(parent.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return std::nullopt;
    return fmt::format("neither \"{}\" nor its parent directory \"{}\" exists", path, parent);
}

FileProblem check_certificate_chain(const std::string& chain_path) {
    auto chain = load_certificate_chain_file(chain_path);
    if (!chain)
        return fmt::format("\"{}\" is not a usable certificate chain: {}", chain_path,
                           without_path(chain.error(), chain_path));
    return std::nullopt;
}

FileProblem check_signing_key(const std::string& key_path) {
    auto key = SigningKey::from_pem_file(key_path);
    if (!key)
        return fmt::format("\"{}\" is not a usable signing key: {}", key_path,
                           without_path(key.error(), key_path));
    return std::nullopt;
}

FileProblem check_signing_pair(const std::string& chain_path, const std::string& key_path) {
    auto chain = load_certificate_chain_file(chain_path);
    auto key = SigningKey::from_pem_file(key_path);
    if (!chain || !key) return std::nullopt;  // reported by the checks above
    auto identity = SigningIdentity::from_parts(std::move(*chain), std::move(*key));
    if (!identity)
        return fmt::format("the key in \"{}\" does not belong to the certificate in \"{}\" ({})", key_path,
                           chain_path, identity.error());
    return std::nullopt;
}

FileProblem check_tls_certificate(const std::string& chain_path) {
    auto pem = crypto::read_file(chain_path);
    if (!pem) return fmt::format("cannot read \"{}\": {}", chain_path, without_path(pem.error(), chain_path));
    CertificateList list;
    gnutls_datum_t data{reinterpret_cast<unsigned char*>(pem->data()), static_cast<unsigned>(pem->size())};
    const int rc = gnutls_x509_crt_list_import2(list.array_out(), list.size_out(), &data, GNUTLS_X509_FMT_PEM,
                                                0);
    if (rc < 0)
        return fmt::format("\"{}\" is not a usable certificate chain: {}", chain_path, gnutls_strerror(rc));
    if (list.size() == 0) return fmt::format("\"{}\" holds no certificate", chain_path);
    return std::nullopt;
}

namespace {

FileProblem check_loaded_pair_matches(gnutls_certificate_credentials_t creds, const std::string& chain_path,
                                      const std::string& key_path) {
    const auto cannot = [&](int rc) {
        return fmt::format("cannot check \"{}\" against \"{}\": {}", key_path, chain_path,
                           gnutls_strerror(rc));
    };
    gnutls_x509_privkey_t raw_key = nullptr;
    if (int rc = gnutls_certificate_get_x509_key(creds, 0, &raw_key); rc < 0) return cannot(rc);
    std::unique_ptr<gnutls_x509_privkey_int, X509KeyDeleter> key(raw_key);
    CertificateList chain;
    if (int rc = gnutls_certificate_get_x509_crt(creds, 0, chain.array_out(), chain.size_out()); rc < 0)
        return cannot(rc);
    if (chain.size() == 0) return fmt::format("\"{}\" holds no certificate", chain_path);

    unsigned char key_id[64];
    std::size_t key_id_size = sizeof key_id;
    if (int rc = gnutls_x509_privkey_get_key_id(key.get(), GNUTLS_KEYID_USE_SHA256, key_id, &key_id_size);
        rc < 0)
        return cannot(rc);
    unsigned char cert_id[64];
    std::size_t cert_id_size = sizeof cert_id;
    if (int rc = gnutls_x509_crt_get_key_id(chain.front(), GNUTLS_KEYID_USE_SHA256, cert_id, &cert_id_size);
        rc < 0)
        return cannot(rc);
    if (key_id_size != cert_id_size || std::memcmp(key_id, cert_id, key_id_size) != 0)
        return fmt::format("the key in \"{}\" does not belong to the certificate in \"{}\"", key_path,
                           chain_path);
    return std::nullopt;
}

}  // namespace

FileProblem check_tls_pair(const std::string& chain_path, const std::string& key_path) {
    gnutls_certificate_credentials_t raw = nullptr;
    if (int rc = gnutls_certificate_allocate_credentials(&raw); rc < 0)
        return fmt::format("cannot check \"{}\": {}", key_path, gnutls_strerror(rc));
    std::unique_ptr<gnutls_certificate_credentials_st, CredentialsDeleter> creds(raw);
    const int rc = gnutls_certificate_set_x509_key_file2(creds.get(), chain_path.c_str(), key_path.c_str(),
                                                         GNUTLS_X509_FMT_PEM, nullptr, 0);
    if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
        return fmt::format("the key in \"{}\" does not belong to the certificate in \"{}\"", key_path,
                           chain_path);
    if (rc < 0) return fmt::format("\"{}\" is not a usable private key: {}", key_path, gnutls_strerror(rc));
    // GnuTLS 3.7's own check above signs and verifies a test blob only for
    // some key types: two different Ed25519 keys pass it. Compare the key ids
    // (SHA-256 of the SubjectPublicKeyInfo) of the leaf certificate and the
    // private key as GnuTLS loaded them, which holds for every key type.
    return check_loaded_pair_matches(creds.get(), chain_path, key_path);
}

FileProblem check_ca_file(const std::string& path) {
    gnutls_x509_trust_list_t raw = nullptr;
    if (int rc = gnutls_x509_trust_list_init(&raw, 0); rc < 0)
        return fmt::format("cannot check \"{}\": {}", path, gnutls_strerror(rc));
    std::unique_ptr<gnutls_x509_trust_list_st, TrustListDeleter> list(raw);
    const int added = gnutls_x509_trust_list_add_trust_file(list.get(), path.c_str(), nullptr,
                                                            GNUTLS_X509_FMT_PEM, 0, 0);
    if (added < 0) return fmt::format("\"{}\" is not a PEM CA file: {}", path, gnutls_strerror(added));
    if (added == 0) return fmt::format("\"{}\" holds no PEM certificate", path);
    return std::nullopt;
}

FileProblem check_ct_log_list(const std::string& path) {
    auto text = crypto::read_file(path);
    if (!text) return fmt::format("cannot read \"{}\": {}", path, without_path(text.error(), path));
    nlohmann::json list;
    try {
        list = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& e) {
        // what() starts with "[json.exception.parse_error.NNN] ".
        std::string why = e.what();
        if (const auto end = why.find("] "); why.front() == '[' && end != std::string::npos)
            why = why.substr(end + 2);
        return fmt::format("\"{}\" is not JSON: {}", path, why);
    }
    if (!list.is_object() || !list.contains("operators") || !list["operators"].is_array())
        return fmt::format(
            "\"{}\" has no \"operators\" array (expected a CT log list in the "
            "log_list.json v3 format)",
            path);
    // The tls layer's full check (tls::parse_ct_log_list: every log's key and
    // id) belongs here once the daemon links it.
    return std::nullopt;
}

FileProblem check_user(const std::string& name) {
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
    if (rc != 0) return fmt::format("cannot look up user \"{}\": {}", name, std::strerror(rc));
    if (!found) return fmt::format("no such user \"{}\"", name);
    return std::nullopt;
}

FileProblem check_group(const std::string& name) {
    std::vector<char> buffer(65536);
    group gr{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &gr, buffer.data(), buffer.size(), &found);
    if (rc != 0) return fmt::format("cannot look up group \"{}\": {}", name, std::strerror(rc));
    if (!found) return fmt::format("no such group \"{}\"", name);
    return std::nullopt;
}

}  // namespace smtpsec::daemon

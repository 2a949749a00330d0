// A temporary directory with the files a test configuration names: signing
// identities and TLS pairs made fresh by the crypto test helpers, a trust
// anchor, a spool parent. Removed with everything in it at the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"
#include "smtpsec/message.h"

namespace smtpsec::daemon::testing {

class ConfigDir {
public:
    ConfigDir();
    ~ConfigDir();
    ConfigDir(const ConfigDir&) = delete;
    ConfigDir& operator=(const ConfigDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

    void write(std::string_view name, std::string_view contents) const;
    // NAME.chain.pem and NAME.key.pem, a fresh self-signed certificate.
    void write_identity(std::string_view name,
                        SignatureAlgorithm algorithm = SignatureAlgorithm::ed25519) const;
    // NAME.chain.pem with an RSA key in NAME.key.pem (TLS only).
    void write_rsa_identity(std::string_view name) const;

    // Writes `lines` (joined with "\n") as smtpsecd.conf; "{dir}" becomes path().
    std::string write_config(const std::vector<std::string>& lines) const;

private:
    std::string path_;
};

// The problems of loading `config`, as "file:line: reason" strings; empty if it loaded.
std::vector<std::string> problems_of(const std::string& config);

}  // namespace smtpsec::daemon::testing

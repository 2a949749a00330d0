// See config_fixture.h.
#include "config_fixture.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "crypto/test_certificates.h"

namespace smtpsec::daemon::testing {

ConfigDir::ConfigDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "smtpsec-conf-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

ConfigDir::~ConfigDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void ConfigDir::write(std::string_view name, std::string_view contents) const {
    std::ofstream out(file(name), std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) throw std::runtime_error("cannot write " + file(name));
    // Private keys as an operator keeps them (a world-readable one is warned about).
    if (name.ends_with(".key.pem"))
        std::filesystem::permissions(
            file(name), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

void ConfigDir::write_identity(std::string_view name, SignatureAlgorithm algorithm) const {
    const auto cert = smtpsec::testing::make_test_certificate(algorithm, name);
    write(std::string(name) + ".chain.pem", cert.cert_pem);
    write(std::string(name) + ".key.pem", cert.key_pem);
}

void ConfigDir::write_rsa_identity(std::string_view name) const {
    const auto cert = smtpsec::testing::make_test_certificate_for_key(
        smtpsec::testing::make_test_rsa_key_pem(2048), name);
    write(std::string(name) + ".chain.pem", cert.cert_pem);
    write(std::string(name) + ".key.pem", cert.key_pem);
}

std::string ConfigDir::write_config(const std::vector<std::string>& lines) const {
    std::string text;
    for (const auto& line : lines) {
        std::string l = line;
        for (auto at = l.find("{dir}"); at != std::string::npos; at = l.find("{dir}"))
            l.replace(at, 5, path_);
        text += l + "\n";
    }
    write("smtpsecd.conf", text);
    return file("smtpsecd.conf");
}

std::vector<std::string> problems_of(const std::string& config) {
    std::vector<std::string> out;
    auto loaded = load_config(config);
    if (loaded) return out;
    for (const auto& p : loaded.error()) out.push_back(p.to_string());
    return out;
}

}  // namespace smtpsec::daemon::testing

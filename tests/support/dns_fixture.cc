// Starting and stopping fixture.sh from C++ (see dns_fixture.h).
#include "support/dns_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#ifndef SMTPSEC_DNS_FIXTURE_SCRIPT
#error "SMTPSEC_DNS_FIXTURE_SCRIPT must name tests/fixtures/dns/fixture.sh"
#endif

namespace smtpsec::test {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs the script with its output going to `log`; returns its exit status.
int run_script(const std::vector<std::string>& args, const std::string& log) {
    std::string command = "DNS_FIXTURE_OWNER=" + std::to_string(getpid()) + " '" + DnsFixture::script() + "'";
    for (const auto& arg : args) command += " '" + arg + "'";  // temp paths: no quotes inside
    command += " >'" + log + "' 2>&1 </dev/null";
    const int status = std::system(command.c_str());
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

}  // namespace

std::string DnsFixture::script() { return SMTPSEC_DNS_FIXTURE_SCRIPT; }

DnsFixture::DnsFixture(const std::string& extra_records) {
    std::string pattern = (std::filesystem::temp_directory_path() / "smtpsec-dns-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("DnsFixture: mkdtemp failed");
    dir_ = pattern;
    std::vector<std::string> args{"start", dir_ + "/zones"};
    if (!extra_records.empty()) {
        const std::string extra = dir_ + "/extra-records";
        std::ofstream(extra) << extra_records;
        args.push_back(extra);
    }
    const std::string log = dir_ + "/fixture.log";
    if (run_script(args, log) != 0) {
        const std::string output = read_all(log);
        run_script({"stop", dir_ + "/zones"}, dir_ + "/stop.log");
        std::filesystem::remove_all(dir_);
        throw std::runtime_error("DnsFixture: fixture.sh start failed:\n" + output);
    }
    dir_ += "/zones";
    port_ = static_cast<std::uint16_t>(std::stoi(read_all(dir_ + "/port")));
}

DnsFixture::~DnsFixture() {
    const auto top = std::filesystem::path(dir_).parent_path();
    run_script({"stop", dir_}, (top / "stop.log").string());
    std::error_code ignored;
    std::filesystem::remove_all(top, ignored);
}

DnsFixture& DnsFixture::shared() {
    static DnsFixture fixture;
    return fixture;
}

dns::ResolverConfig DnsFixture::resolver_config(std::chrono::milliseconds timeout) const {
    dns::ResolverConfig config;
    config.trust_anchor_file.clear();
    config.unbound_config = unbound_config();
    config.query_timeout = timeout;
    return config;
}

}  // namespace smtpsec::test

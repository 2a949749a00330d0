// smtpsec-ctlog-update: keeps smtpsecd's CT log list current
// (man/smtpsec-ctlog-update.8, issue 18 point 3).
//
//   smtpsec-ctlog-update [-c CONF] [--url BASE | --list FILE [--signature FILE]]
//                        [--key PEM] [--target FILE] [--pid-file FILE] [--no-reload]
//
// Fetches log_list.json and log_list.sig (or takes local files), installs the
// list as [tls] ct_log_list only if the publisher's signature, the schema and
// its age are right (update.h), then tells smtpsecd to reload (SIGHUP to the
// pid in [daemon] pid_file). Run daily by smtpsec-ctlog-update.timer.
//
// Exit status: 0 installed, already current, or nothing configured to keep;
// 1 refused (the installed file is unchanged); 64 usage; 75 (EX_TEMPFAIL)
// the download failed.
#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <toml++/toml.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "tools/ctlog_update/fetch.h"
#include "tools/ctlog_update/update.h"

using namespace smtpsec;

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 64;
constexpr int kExitTempfail = 75;
constexpr const char* kDefaultUrl = "https://www.gstatic.com/ct/log_list/v3/";
constexpr const char* kDefaultKey = "/usr/share/smtpsec-gateway/log_list_pubkey.pem";

struct FromConfig {
    std::string ct_log_list;
    std::string pid_file = "/run/smtpsecd/smtpsecd.pid";
};

// Only the two keys this tool needs, read with the daemon's TOML library: the
// full load_config would refuse a config whose ct_log_list does not exist
// yet, which is exactly the case of the first run.
FromConfig read_config(const std::string& path) {
    FromConfig out;
    toml::table root = toml::parse_file(path);
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
    auto absolute = [&](std::string p) {
        return p.empty() || p.front() == '/' ? p : (base / p).lexically_normal().string();
    };
    if (auto v = root["tls"]["ct_log_list"].value<std::string>()) out.ct_log_list = absolute(*v);
    if (auto v = root["daemon"]["pid_file"].value<std::string>()) out.pid_file = absolute(*v);
    return out;
}

// SIGHUP to the running smtpsecd; what happened, for the operator.
std::string reload_daemon(const std::string& pid_file) {
    if (pid_file.empty()) return "no [daemon] pid_file: reload smtpsecd yourself (systemctl reload smtpsecd)";
    std::string error;
    auto text = tools::read_bounded(pid_file, 64, error);
    if (!text)
        return fmt::format("smtpsecd is not running ({}): it reads the new list when it starts", error);
    char* end = nullptr;
    const long pid = std::strtol(text->c_str(), &end, 10);
    if (pid <= 1 || end == text->c_str())
        return fmt::format("{} holds no pid: reload smtpsecd yourself (systemctl reload smtpsecd)", pid_file);
    if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0)
        return fmt::format(
            "cannot signal smtpsecd (pid {}): {}; reload it yourself (systemctl reload smtpsecd)", pid,
            std::strerror(errno));
    return fmt::format("smtpsecd (pid {}) told to reload", pid);
}

struct TempDir {
    std::string path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "smtpsec-ctlog.XXXXXX").string();
        if (::mkdtemp(pattern.data())) path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
};

int refused(const std::string& why) {
    std::cerr << "smtpsec-ctlog-update: " << why << '\n';
    return kExitRefused;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "smtpsec-ctlog-update: install a new CT log list for smtpsecd after checking its signature, "
        "schema and age"};
    std::string config_path = "/etc/smtpsec/smtpsecd.conf";
    std::string url = kDefaultUrl;
    std::string list_file, signature_file, key_file = kDefaultKey, target, pid_file;
    bool no_reload = false;
    bool version = false;
    app.add_option("-c,--config", config_path,
                   "smtpsecd's configuration: [tls] ct_log_list, [daemon] pid_file")
        ->capture_default_str();
    auto* url_opt = app.add_option("--url", url, "where log_list.json and log_list.sig are published")
                        ->capture_default_str();
    auto* list_opt = app.add_option("--list", list_file, "a local log_list.json instead of fetching");
    app.add_option("--signature", signature_file, "its signature (default: --list with .sig for .json)")
        ->needs(list_opt);
    url_opt->excludes(list_opt);
    app.add_option("--key", key_file, "the publisher's public key (PEM)")->capture_default_str();
    app.add_option("--target", target, "the list to replace (default: [tls] ct_log_list)");
    app.add_option("--pid-file", pid_file, "smtpsecd's pid file (default: [daemon] pid_file)");
    app.add_flag("--no-reload", no_reload, "install only; do not signal smtpsecd");
    app.add_flag("-V,--version", version, "print the version and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kExitUsage;
    }
    if (version) {
        std::cout << "smtpsec-ctlog-update " << SMTPSEC_VERSION << '\n';
        return 0;
    }
    if (target.empty() || (pid_file.empty() && !no_reload)) {
        FromConfig config;
        try {
            config = read_config(config_path);
        } catch (const toml::parse_error& e) {
            std::cerr << "smtpsec-ctlog-update: " << config_path << ":" << e.source().begin.line << ": "
                      << e.description() << '\n';
            return kExitUsage;
        }
        if (target.empty()) target = config.ct_log_list;
        if (pid_file.empty()) pid_file = config.pid_file;
        if (target.empty()) {
            std::cout
                << "smtpsec-ctlog-update: " << config_path
                << " sets no [tls] ct_log_list: no list to keep current (give --target to install one)\n";
            return 0;
        }
    }

    std::string error;
    auto key = tools::read_bounded(key_file, tools::kMaxSignatureBytes, error);
    if (!key) return refused(fmt::format("refused (bad key): {}", error));

    TempDir fetched;
    if (list_file.empty()) {
        if (fetched.path.empty())
            return refused(fmt::format("cannot make a temporary directory: {}", std::strerror(errno)));
        if (!url.empty() && url.back() != '/') url += '/';
        list_file = fetched.path + "/log_list.json";
        signature_file = fetched.path + "/log_list.sig";
        for (auto [name, file, limit] :
             {std::tuple{"log_list.json", list_file, tools::kMaxListBytes},
              std::tuple{"log_list.sig", signature_file, tools::kMaxSignatureBytes}}) {
            if (auto why = tools::fetch_with_curl(url + name, file, limit); !why.empty()) {
                std::cerr << "smtpsec-ctlog-update: " << why << "; the installed list is unchanged\n";
                return kExitTempfail;
            }
        }
    } else if (signature_file.empty()) {
        signature_file = list_file;
        if (signature_file.ends_with(".json")) signature_file.resize(signature_file.size() - 5);
        signature_file += ".sig";
    }
    auto list = tools::read_bounded(list_file, tools::kMaxListBytes, error);
    if (!list) return refused(fmt::format("refused (unreadable): {}", error));
    auto signature = tools::read_bounded(signature_file, tools::kMaxSignatureBytes, error);
    if (!signature) return refused(fmt::format("refused (unreadable): {}", error));
    std::optional<std::string> installed;
    if (::access(target.c_str(), F_OK) == 0) {
        installed = tools::read_bounded(target, tools::kMaxListBytes, error);
        if (!installed) std::cerr << "smtpsec-ctlog-update: warning: the installed list: " << error << '\n';
    }

    const auto verdict = tools::judge_candidate(*list, *signature, *key, installed);
    const std::string published = verdict.candidate.timestamp ? tls::rfc3339(*verdict.candidate.timestamp)
                                                              : std::string("?");
    switch (verdict.kind) {
    case tools::UpdateVerdict::Kind::refuse:
        return refused(fmt::format("refused ({}): {}: {}; {} is unchanged", name_of(*verdict.error),
                                   list_file, verdict.reason, target));
    case tools::UpdateVerdict::Kind::current:
        std::cout << fmt::format("smtpsec-ctlog-update: {} is current (version \"{}\", published {})\n",
                                 target, verdict.candidate.version, published);
        return 0;
    case tools::UpdateVerdict::Kind::install: break;
    }
    if (auto why = tools::install_atomically(target, *list); !why.empty())
        return refused(fmt::format("refused ({}): {}", name_of(tools::UpdateError::install_failed), why));
    std::cout << fmt::format(
        "smtpsec-ctlog-update: installed version \"{}\" (published {}, {} logs) as {}; {}\n",
        verdict.candidate.version, published, verdict.logs, target,
        no_reload ? std::string("not reloading smtpsecd (--no-reload)") : reload_daemon(pid_file));
    return 0;
}

// smtpsecd: the SMTPsec gateway daemon (man/smtpsecd.8).
//
//   smtpsecd [-c FILE] [-f]   run (in the foreground with -f, as systemd does)
//   smtpsecd [-c FILE] -n     check FILE and every file it names, then exit
//
// Exit status: 0 clean stop or config OK, 1 config problems, 64 usage,
// 78 start-up failure (EX_CONFIG: the config loads but cannot be put to
// work, e.g. a port in use).
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

#include "daemon/config.h"
#include "daemon/config_as_user.h"
#include "daemon/detach.h"
#include "daemon/gateway.h"
#include "daemon/layer_settings.h"
#include "daemon/milter_side.h"
#include "daemon/service_notify.h"
#include "log/log.h"

using namespace smtpsec;

namespace {

constexpr int kExitUsage = 64;
constexpr int kExitStartup = 78;

// Detached: syslog. In the foreground: syslog when asked, or when stderr is
// the journal (systemd) and [log] foreground is "auto", as Postfix and
// OpenDKIM log under systemd: the journal and rsyslog then get the facility
// (mail.log) and each line's priority. Forced to stderr under systemd, lines
// carry sd-daemon <N> priorities and no identifier of their own (the journal
// adds it). Else (a terminal, a test's log file): "smtpsecd[pid]: level: text".
void set_up_logging(const daemon::Config& config, bool foreground) {
    using daemon::ForegroundLog;
    log::set_min_level(config.log.level);
    const bool journal = log::stderr_is_journal();
    const auto mode = config.log.foreground;
    if (!foreground || mode == ForegroundLog::syslog || (mode == ForegroundLog::automatic && journal)) {
        if (log::use_syslog("smtpsecd", config.log.syslog_facility)) return;
        log::warning("syslog facility \"{}\" unknown: logging to stderr", config.log.syslog_facility);
    }
    if (journal) log::use_journal_stderr();
}

}  // namespace

int main(int argc, char** argv) {
    // Message buffers of many MiB come and go per message. glibc would map
    // each one fresh (mmap above 128 KiB) and unmap it on free, so every
    // 4 KiB page of every buffer faulted again: a quarter of the milter
    // threads' time in profiles with 10 MiB mail. Keeping large blocks in the
    // heap lets the next message reuse pages already mapped; blocks over
    // 64 MiB are still mapped apart. Free heap top above 32 MiB goes back to
    // the system, and the milter's threads share 4 arenas: with 256 MiB and
    // an arena per thread, 8 concurrent 10 MiB messages left the daemon at
    // 790 MB RSS, each arena keeping its own high-water mark.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_ARENA_MAX, 4);
    CLI::App app{"smtpsecd: the SMTPsec gateway (milter, listener and queue) beside Postfix or Sendmail"};
    std::string config_path = daemon::kDefaultConfigPath;
    bool check_only = false;
    bool foreground = false;
    bool version = false;
    app.add_option("-c,--config", config_path, "the configuration file")->capture_default_str();
    app.add_flag("-n,--check", check_only, "check the configuration and every file it names, then exit");
    app.add_flag("-f,--foreground", foreground, "stay in the foreground (systemd); log to stderr");
    app.add_flag("-V,--version", version, "print the version and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kExitUsage;
    }
    if (version) {
        std::cout << "smtpsecd " << SMTPSEC_VERSION << '\n';
        return 0;
    }
    if (check_only)
        return daemon::check_config_command(config_path, std::cout, [](const daemon::Config& c) {
            // What a reload builds beyond load_config: the trust policy (the CT
            // log list's every log, the CA file) and the milter's settings
            // (the sender policy file's every line).
            std::vector<daemon::ConfigProblem> problems;
            try {
                daemon::auth_policy(c);
            } catch (const std::exception& e) {
                problems.push_back({c.file, 0, e.what()});
            }
            if (auto authorisation = daemon::inbound_authorisation(c); !authorisation)
                problems.insert(problems.end(), authorisation.error().begin(), authorisation.error().end());
            try {
                daemon::milter_settings(c);
            } catch (const std::exception& e) {
                problems.push_back({c.file, 0, fmt::format("[milter] {}", e.what())});
            }
            return problems;
        });

    auto loaded = daemon::load_config(config_path);
    if (loaded) {
        // Started as root, it reads its files as root; every reload reads
        // them as [daemon] user. Refuse now what a reload would refuse.
        if (auto problems = daemon::problems_as_daemon_user(config_path, loaded->daemon); !problems.empty())
            loaded = Unexpected{std::move(problems)};
    }
    if (!loaded) {
        for (const auto& p : loaded.error()) std::cerr << p.to_string() << '\n';
        std::cerr << "smtpsecd: not started: " << config_path << " has problems (smtpsecd -n lists them)\n";
        return 1;
    }
    ::signal(SIGPIPE, SIG_IGN);
    set_up_logging(*loaded, foreground);
    try {
        // Detach before any thread or event loop exists; the parent still
        // learns whether start-up worked.
        std::optional<daemon::Detacher> detached;
        if (!foreground) detached.emplace();
        daemon::Gateway gateway(std::move(*loaded));
        return gateway.run([&] {
            if (detached) detached->ready();
            daemon::notify_service_manager("READY=1");
        });
    } catch (const std::exception& e) {
        log::error("not started: {}", e.what());
        if (!foreground) std::fprintf(stderr, "smtpsecd: not started: %s\n", e.what());
        return kExitStartup;
    }
}

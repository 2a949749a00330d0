// smtpsec-queue: list and manage the gateway's queue (see man/smtpsec-queue.1).
//
// Why it edits files directly: it must work while the daemon is down; with
// the daemon up, it takes the spool lock for every change and then asks the
// daemon (SIGUSR1) to re-read the spool. Run as root, it first becomes the
// spool's owner (spool_owner.h), so that the daemon can go on writing what
// it wrote.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <stdexcept>

#include "tools/queue/commands.h"
#include "tools/queue/spool_owner.h"

namespace q = smtpsec::tools::queue;

int main(int argc, char** argv) {
    CLI::App app{"List and manage the smtpsec-gateway queue"};
    app.set_version_flag("-V,--version", std::string("smtpsec-queue ") + SMTPSEC_VERSION,
                         "print the version and exit");
    std::string directory = "/var/spool/smtpsec";
    std::string pidfile = "/run/smtpsecd/smtpsecd.pid";
    app.add_option("-d,--directory", directory, "Queue directory")->capture_default_str();
    app.add_option("-p,--pidfile", pidfile, "The daemon's pid file (SIGUSR1 after a change)")
        ->capture_default_str();
    app.require_subcommand(1);

    bool json = false;
    auto* list = app.add_subcommand("list", "Show every entry, its recipients and their state");
    list->add_flag("--json", json, "One JSON array of the entries");

    std::vector<std::string> flush_ids, delete_ids, hold_ids, release_ids;
    auto* flush = app.add_subcommand("flush", "Attempt delivery now (all entries without ID)");
    flush->add_option("ID", flush_ids, "Queue ids");
    auto* del = app.add_subcommand("delete", "Delete entries (ALL: every entry)");
    del->add_option("ID", delete_ids, "Queue ids, or ALL")->required();
    auto* hold = app.add_subcommand("hold", "Keep entries from delivery (ALL: every entry)");
    hold->add_option("ID", hold_ids, "Queue ids, or ALL")->required();
    auto* release = app.add_subcommand("release", "Release held entries (ALL: every entry)");
    release->add_option("ID", release_ids, "Queue ids, or ALL")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? q::exit_ok : q::exit_usage;
    }

    if (auto failed = q::become_spool_owner(directory); !failed.empty()) {
        std::cerr << "smtpsec-queue: " << failed << "\n";
        return q::exit_not_found;
    }
    try {
        smtpsec::queue::Spool spool(directory, false);
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        if (list->parsed())
            return json ? q::list_json(spool, std::cout) : q::list_text(spool, std::cout, now);
        q::Action action = q::Action::flush;
        const std::vector<std::string>* ids = &flush_ids;
        if (del->parsed()) action = q::Action::remove, ids = &delete_ids;
        if (hold->parsed()) action = q::Action::hold, ids = &hold_ids;
        if (release->parsed()) action = q::Action::release, ids = &release_ids;
        int status = q::apply(spool, action, *ids, now, std::cout, std::cerr);
        int told = q::tell_daemon(pidfile, std::cerr);
        return status != q::exit_ok ? status : told;
    } catch (const std::exception& e) {
        std::cerr << "smtpsec-queue: " << e.what() << "\n";
        return q::exit_not_found;
    }
}

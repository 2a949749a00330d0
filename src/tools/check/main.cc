// smtpsec-check: what a sender would conclude about a domain
// (docs/decisions.md points 20 and 21): the SRV records and their DNSSEC status,
// each target's addresses and TLSA records, the verdict, and (unless --no-tls)
// a TLS probe of every address with the outbound client's authentication. For
// operators setting up SMTPsec and for scripts (--json).
// Exit status: 0 smtpsec, 2 none_secure, 3 none_insecure, 4 defer,
// 5 smtpsec but no target passed the TLS checks, 1 set-up failure, 64 usage error.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "dns/names.h"
#include "dns/resolver.h"
#include "tools/check/report.h"

namespace {

constexpr int kExitSetup = 1;
constexpr int kExitUsage = 64;

}  // namespace

int main(int argc, char** argv) {
    using namespace smtpsec;
    CLI::App app{"smtpsec-check: what a sender concludes about DOMAIN's SMTPsec (DNSSEC discovery)"};
    app.set_version_flag("-V,--version", std::string("smtpsec-check ") + SMTPSEC_VERSION,
                         "print the version and exit");
    std::string domain;
    bool json = false;
    double timeout_seconds = 10;
    bool no_tls = false;
    std::string ca_file;
    std::string ct_log_list;
    unsigned ct_min_scts = 2;
    dns::ResolverConfig config;
    app.add_option("DOMAIN", domain, "Recipient domain, as in user@DOMAIN")->required();
    app.add_flag("--json", json, "Print JSON for scripts");
    app.add_option(
           "--trust-anchor", config.trust_anchor_file,
           "DNSSEC trust anchor file (DS/DNSKEY); \"none\" or empty: only the anchors of --unbound-config")
        ->capture_default_str();
    app.add_option("--unbound-config", config.unbound_config,
                   "unbound config file (stub zones, trust anchors, ...) as the daemon uses");
    app.add_option("--forwarder", config.forwarders,
                   "Upstream resolver IP[@PORT] (repeatable); answers are "
                   "still validated here");
    app.add_option("--timeout", timeout_seconds, "Seconds before a lookup counts as failed")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_flag("--no-tls", no_tls, "Skip the TLS probe of the targets (DNS only)");
    app.add_option("--ca-file", ca_file, "Trusted CAs (PEM) for the probe; default: the system trust store");
    app.add_option("--ct-log-list", ct_log_list,
                   "CT log list (log_list.json) for the probe; without it only DANE-EE can pass");
    app.add_option("--ct-min-scts", ct_min_scts,
                   "Valid SCTs from distinct logs required (as the daemon's ct_min_scts)")
        ->check(CLI::Range(1u, 10u))
        ->capture_default_str();
    app.footer(
        "Exit status: 0 smtpsec, 2 none_secure, 3 none_insecure, 4 defer, 5 smtpsec but no target passed "
        "the TLS checks, 1 set-up failure, 64 usage error.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);
        return status == 0 ? 0 : kExitUsage;
    }
    const auto normalized = dns::normalize_name(domain);
    if (!normalized) {
        std::cerr << "smtpsec-check: not a valid domain name: " << domain << "\n";
        return kExitUsage;
    }
    if (config.trust_anchor_file == "none") config.trust_anchor_file.clear();
    config.query_timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));

    try {
        event::Loop loop;
        dns::Resolver resolver(loop, config);
        auto report = check::gather(loop, resolver, *normalized);
        if (!no_tls) {
            check::ProbeSettings probe;
            auto creds = tls::Credentials::client();
            if (!creds) throw std::runtime_error("TLS client credentials: " + creds.error());
            probe.credentials = *creds;
            tls::CtRequirements ct;
            ct.min_logs = ct_min_scts;
            ct.min_operators = ct_min_scts > 1 ? 2 : 1;  // as the daemon maps ct_min_scts
            probe.policy = std::make_shared<const tls::AuthPolicy>(
                tls::AuthPolicy::from_files(ca_file, ct_log_list, ct));
            probe.timeout = config.query_timeout;
            check::probe_targets(report, probe);
        }
        std::cout << (json ? check::to_json(report) : check::to_text(report));
        return check::exit_status(report);
    } catch (const dns::ConfigError& e) {
        std::cerr << "smtpsec-check: " << e.what() << "\n";
        return kExitSetup;
    } catch (const std::exception& e) {
        std::cerr << "smtpsec-check: " << e.what() << "\n";
        return kExitSetup;
    }
}

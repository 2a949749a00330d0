// smtpsec-dns: the DNS records to publish for a gateway certificate and the
// domains it serves, and with --check whether DNS holds them (man/smtpsec-dns.1).
// Exit status: 0 printed / all checks pass, 1 a check failed, 2 the
// certificate or resolver could not be used, 64 usage error.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "dns/resolver.h"
#include "smtpsec/signature.h"
#include "tools/dns/compare.h"
#include "tools/dns/publish.h"

int main(int argc, char** argv) {
    using namespace smtpsec;
    CLI::App app{"smtpsec-dns: the SRV and TLSA records to publish for a gateway certificate"};
    app.set_version_flag("-V,--version", std::string("smtpsec-dns ") + SMTPSEC_VERSION,
                         "print the version and exit");
    std::string cert_file;
    std::string host;
    std::uint16_t port = 4650;
    std::vector<std::string> domains;
    bool check = false;
    double timeout_seconds = 10;
    dns::ResolverConfig config;
    app.add_option("--cert", cert_file, "The gateway's certificate chain (PEM, leaf first)")->required();
    app.add_option("DOMAIN", domains, "Mail domains this gateway serves")->required();
    app.add_option("--host", host, "The gateway's name (default: the certificate's first DNS name)");
    app.add_option("--port", port, "The listener's port")->capture_default_str();
    app.add_flag("--check", check, "Compare with what DNS holds (DNSSEC-validated)");
    app.add_option("--trust-anchor", config.trust_anchor_file,
                   "DNSSEC trust anchor file; \"none\": only "
                   "the anchors of --unbound-config")
        ->capture_default_str();
    app.add_option("--unbound-config", config.unbound_config, "unbound config file (stub zones, anchors)");
    app.add_option("--forwarder", config.forwarders, "Upstream resolver IP[@PORT] (repeatable)");
    app.add_option("--timeout", timeout_seconds, "Seconds per lookup")->check(CLI::PositiveNumber);
    app.footer("Exit status: 0 ok, 1 a check failed, 2 certificate or resolver unusable, 64 usage error.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 64;
    }
    auto chain = load_certificate_chain_file(cert_file);
    if (!chain) {
        std::cerr << "smtpsec-dns: " << chain.error() << "\n";
        return 2;
    }
    auto publication = dnstool::compute(*chain, host, port, domains);
    if (!publication) {
        std::cerr << "smtpsec-dns: " << cert_file << ": " << publication.error() << "\n";
        return 2;
    }
    if (!check) {
        std::cout << dnstool::zone_text(*publication);
        return 0;
    }
    if (config.trust_anchor_file == "none") config.trust_anchor_file.clear();
    config.query_timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    try {
        event::Loop loop;
        dns::Resolver resolver(loop, config);
        bool all_ok = true;
        for (const auto& f : dnstool::compare(loop, resolver, *publication)) {
            std::cout << (f.ok ? "ok       " : "PROBLEM  ") << f.what << ": " << f.detail << "\n";
            all_ok = all_ok && f.ok;
        }
        return all_ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "smtpsec-dns: " << e.what() << "\n";
        return 2;
    }
}

// How the resolver is set up: trust anchor, upstream, site unbound config,
// query timeout.
//
// Why a plain struct: the daemon fills it from its TOML configuration,
// smtpsec-check from its command line, tests from the DNS fixture.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace smtpsec::dns {

struct ResolverConfig {
    // DNSSEC trust anchors (DS or DNSKEY lines; dns-root-data's root.key by
    // default). Empty: no file; the unbound config must then provide anchors.
    std::string trust_anchor_file = "/usr/share/dns/root.key";
    // Upstream resolvers "IP" or "IP@PORT". Empty: full recursion. Answers are
    // validated here either way.
    std::vector<std::string> forwarders;
    // An unbound config file (stub zones, trust anchors, ...) loaded with
    // ub_ctx_config. Empty: none.
    std::string unbound_config;
    // Answers later than this give the verdict defer "timeout".
    std::chrono::milliseconds query_timeout{10'000};
};

// Thrown at start-up when the resolver cannot be set up as configured.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace smtpsec::dns

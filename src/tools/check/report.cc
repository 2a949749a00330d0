// Gathering the lookups of smtpsec-check (see report.h).
#include "tools/check/report.h"

#include <memory>

namespace smtpsec::check {
namespace {

bool usable(const dns::AddressSet& set) {
    return (set.security == dns::Security::secure || set.security == dns::Security::insecure) &&
           !set.addresses.empty();
}

// docs/decisions.md point 21 applied before any connection: a target whose TLSA
// state is unknown cannot be authenticated, one without an address cannot
// be reached.
std::string skip_reason(const TargetReport& t) {
    if (t.tlsa.verdict == dns::TlsaVerdict::defer) return "TLSA lookup failed: " + t.tlsa.reason;
    if (!usable(t.addresses.ipv4) && !usable(t.addresses.ipv6)) return "no usable address";
    return {};
}

}  // namespace

int exit_status(dns::Verdict verdict) {
    switch (verdict) {
    case dns::Verdict::smtpsec: return 0;
    case dns::Verdict::none_secure: return 2;
    case dns::Verdict::none_insecure: return 3;
    case dns::Verdict::defer: return 4;
    }
    return 4;
}

int exit_status(const Report& report) {
    if (report.discovery.verdict == dns::Verdict::smtpsec && report.probed && !any_probe_passed(report))
        return kExitNoTargetPassed;
    return exit_status(report.discovery.verdict);
}

std::string dns_hint(const Report& report) {
    if (report.discovery.security != dns::Security::error) return {};
    return "no usable answer from DNS: if this host cannot reach DNS servers (offline, UDP/TCP port 53 "
           "filtered), check its network and resolver, or name a resolver it can reach with --forwarder IP "
           "(its answers are still validated here); if it can, the domain's own DNS servers are failing";
}

bool any_probe_passed(const Report& report) {
    for (const auto& t : report.targets)
        for (const auto& p : t.probes)
            if (p.passed()) return true;
    return false;
}

void probe_targets(Report& report, const ProbeSettings& settings) {
    if (report.discovery.verdict != dns::Verdict::smtpsec) return;
    report.probed = true;
    if (!settings.policy->has_ct_logs())
        report.probe_note = "no CT log list (--ct-log-list): only a DANE-EE match can pass";
    for (auto& t : report.targets) {
        if (!t.skip_reason.empty()) continue;
        std::vector<tls::TlsaRecord> tlsa;
        if (t.tlsa.verdict == dns::TlsaVerdict::secure)
            for (const auto& r : t.tlsa.records)
                tlsa.push_back({r.usage, r.selector, r.matching_type, r.data});
        // The order and the address sets the outbound client uses.
        for (const auto* set : {&t.addresses.ipv6, &t.addresses.ipv4}) {
            if (!usable(*set)) continue;
            for (const auto& ip : set->addresses) {
                auto at = net::Endpoint::parse(ip.to_string(), t.target.port);
                if (!at) continue;
                t.probes.push_back(probe(settings, *at, t.target.host, t.target.port, tlsa, report.domain));
            }
        }
    }
}

Report gather(event::Loop& loop, dns::Resolver& resolver, const std::string& domain) {
    Report report;
    report.domain = domain;
    bool discovered = false;
    resolver.discover(domain, [&](const dns::Discovery& d) {
        report.discovery = d;
        discovered = true;
    });
    while (!discovered) loop.run_once();
    if (report.discovery.verdict != dns::Verdict::smtpsec) return report;

    report.targets.resize(report.discovery.targets.size());
    std::size_t pending = 0;
    for (std::size_t i = 0; i < report.targets.size(); ++i) {
        auto& t = report.targets[i];
        t.target = report.discovery.targets[i];
        pending += 2;
        resolver.addresses(t.target.host, [&pending, &t](const dns::AddressResult& a) {
            t.addresses = a;
            --pending;
        });
        resolver.tlsa(t.target.port, t.target.host, [&pending, &t](const dns::TlsaResult& r) {
            t.tlsa = r;
            --pending;
        });
    }
    while (pending > 0) loop.run_once();
    for (auto& t : report.targets) t.skip_reason = skip_reason(t);
    return report;
}

}  // namespace smtpsec::check

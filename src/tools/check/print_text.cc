// The report for people: what a sender would conclude, and why.
#include <fmt/core.h>

#include <algorithm>

#include "tools/check/report.h"

namespace smtpsec::check {
namespace {

std::string hex(const std::vector<std::uint8_t>& data) {
    std::string out;
    for (auto b : data) out += fmt::format("{:02x}", b);
    return out;
}

std::string srv_line(const dns::SrvTarget& t) {
    return fmt::format("{} {} {} {}", t.priority, t.weight, t.port, t.host == "." ? "." : t.host + ".");
}

void addresses(std::string& out, const char* type, const dns::AddressSet& set) {
    out += fmt::format("    {:<5} {:<12}", type, dns::name_of(set.security));
    if (!set.reason.empty()) {
        out += set.reason;
    } else if (set.addresses.empty()) {
        out += "(none)";
    } else {
        for (std::size_t i = 0; i < set.addresses.size(); ++i) {
            out += (i ? " " : "") + set.addresses[i].to_string();
        }
    }
    out += "\n";
}

// Received order is arbitrary; people read SRV sets by priority.
std::vector<dns::SrvTarget> sorted_records(std::vector<dns::SrvTarget> records) {
    std::sort(records.begin(), records.end(), [](const dns::SrvTarget& a, const dns::SrvTarget& b) {
        if (a.priority != b.priority) return a.priority < b.priority;
        if (a.weight != b.weight) return a.weight > b.weight;
        return a.host < b.host;
    });
    return records;
}

bool has_tlsa(const TargetReport& t) {
    return t.tlsa.verdict == dns::TlsaVerdict::secure && !t.tlsa.records.empty();
}

void probes(std::string& out, const TargetReport& t) {
    if (!t.skip_reason.empty()) {
        out += "    TLS probe: not probed (a sender skips this target)\n";
        return;
    }
    for (const auto& p : t.probes) {
        out += fmt::format("    TLS probe {}: {}\n", p.address, p.passed() ? "passed" : "FAILED");
        for (const auto& c : checks_of(p, has_tlsa(t))) {
            std::string line = fmt::format("        {:<12} {:<12}{}", c.name, c.status, c.detail);
            line.erase(line.find_last_not_of(' ') + 1);
            out += line + "\n";
        }
    }
}

std::string conclusion(const Report& r) {
    const auto& d = r.discovery;
    switch (d.verdict) {
    case dns::Verdict::smtpsec:
        return "SMTPsec: " + d.reason + "; a sender tries the targets above in that order";
    case dns::Verdict::none_secure:
        return "SMTP fallback: the domain provably offers no SMTPsec: " + d.reason;
    case dns::Verdict::none_insecure: return "SMTP fallback: " + d.reason;
    case dns::Verdict::defer:
        return "deferred: " + d.reason + "; a sender must not fall back to SMTP and retries later";
    }
    return {};
}

}  // namespace

std::string to_text(const Report& r) {
    std::string out;
    const auto& d = r.discovery;
    out += fmt::format("Domain   {}\n", r.domain);
    out += fmt::format("SRV      {}: {}\n", d.query, dns::name_of(d.security));
    if (d.records.empty()) {
        const bool answered = d.security == dns::Security::secure || d.security == dns::Security::insecure;
        out += answered ? "    (no SRV record)\n" : "    (no answer)\n";
    } else {
        for (const auto& rec : sorted_records(d.records)) {
            out += fmt::format("    {}{}\n", srv_line(rec),
                               d.security == dns::Security::secure ? "" : "   (not trusted: not secure)");
        }
    }
    for (std::size_t i = 0; i < r.targets.size(); ++i) {
        const auto& t = r.targets[i];
        out += fmt::format("Target {} {} port {} (priority {}, weight {})\n", i + 1, t.target.host,
                           t.target.port, t.target.priority, t.target.weight);
        addresses(out, "A", t.addresses.ipv4);
        addresses(out, "AAAA", t.addresses.ipv6);
        out += fmt::format("    TLSA  {:<12}{}: {}\n", dns::name_of(t.tlsa.verdict), t.tlsa.query,
                           t.tlsa.reason);
        for (const auto& rec : t.tlsa.records) {
            out += fmt::format("                       {} {} {} {}\n", rec.usage, rec.selector,
                               rec.matching_type, hex(rec.data));
        }
        if (!t.skip_reason.empty()) out += fmt::format("    a sender skips this target: {}\n", t.skip_reason);
        if (r.probed) probes(out, t);
    }
    if (r.probed) {
        std::size_t passed = 0, total = 0;
        for (const auto& t : r.targets)
            for (const auto& p : t.probes) {
                ++total;
                passed += p.passed() ? 1 : 0;
            }
        out += fmt::format("TLS      {} of {} address(es) passed every check\n", passed, total);
        if (!r.probe_note.empty()) out += fmt::format("    note: {}\n", r.probe_note);
    }
    out += fmt::format("Verdict  {}\n", conclusion(r));
    if (auto hint = dns_hint(r); !hint.empty()) out += fmt::format("Hint     {}\n", hint);
    if (r.probed && !any_probe_passed(r))
        out += "         but no target passed the TLS checks: a sender could not deliver now\n";
    return out;
}

}  // namespace smtpsec::check

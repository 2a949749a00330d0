// See compare.h.
#include "tools/dns/compare.h"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsec::dnstool {
namespace {

tls::TlsaRecord as_tls(const dns::TlsaRecord& r) { return {r.usage, r.selector, r.matching_type, r.data}; }

Finding srv_finding(const Publication& p, const std::string& domain, const dns::Discovery& d) {
    Finding f{false, fmt::format("{} SRV", d.query.empty() ? "_smtpsec._tcp." + domain : d.query), {}};
    if (d.verdict != dns::Verdict::smtpsec) {
        f.detail = fmt::format("verdict {}: {}", dns::name_of(d.verdict), d.reason);
        return f;
    }
    const bool listed = std::any_of(d.targets.begin(), d.targets.end(), [&](const dns::SrvTarget& t) {
        return t.host == p.host && t.port == p.port;
    });
    std::vector<std::string> seen;
    for (const auto& t : d.targets) seen.push_back(fmt::format("{}:{}", t.host, t.port));
    f.ok = listed;
    f.detail = listed ? fmt::format("secure, lists {}:{}", p.host, p.port)
                      : fmt::format("secure, but {}:{} is not among the targets ({})", p.host, p.port,
                                    fmt::join(seen, ", "));
    return f;
}

Finding tlsa_finding(const Publication& p, const dns::TlsaResult& t) {
    Finding f{false, fmt::format("{} TLSA", t.query), {}};
    if (t.verdict != dns::TlsaVerdict::secure) {
        f.detail = fmt::format("{}: {}", dns::name_of(t.verdict),
                               t.reason.empty() ? std::string("no secure TLSA record") : t.reason);
        // No TLSA at all is allowed by the protocol (CA + CT then apply).
        f.ok = t.verdict == dns::TlsaVerdict::none_secure;
        if (f.ok) f.detail += " (allowed: senders then need a public CA and CT)";
        return f;
    }
    for (const auto& r : t.records) {
        auto rec = as_tls(r);
        if (rec == p.dane_ee || (p.dane_ta && rec == *p.dane_ta)) {
            f.ok = true;
            f.detail = fmt::format("matches {}", tlsa_text(rec));
            return f;
        }
    }
    std::vector<std::string> seen;
    for (const auto& r : t.records) seen.push_back(tlsa_text(as_tls(r)));
    f.detail = fmt::format("no record matches this certificate: DNS has {}; expected {}",
                           fmt::join(seen, "; "), tlsa_text(p.dane_ee));
    return f;
}

}  // namespace

std::vector<Finding> compare(event::Loop& loop, dns::Resolver& resolver, const Publication& p) {
    std::vector<Finding> out(p.domains.size() + 1);
    std::size_t waiting = out.size();
    for (std::size_t i = 0; i < p.domains.size(); ++i)
        resolver.discover(p.domains[i], [&, i](const dns::Discovery& d) {
            out[i] = srv_finding(p, p.domains[i], d);
            --waiting;
        });
    resolver.tlsa(p.port, p.host, [&](const dns::TlsaResult& t) {
        out.back() = tlsa_finding(p, t);
        --waiting;
    });
    while (waiting > 0) loop.run_once();
    return out;
}

}  // namespace smtpsec::dnstool

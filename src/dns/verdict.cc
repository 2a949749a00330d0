// The decisions of verdict.h. Every branch that is not provably "no SMTPsec"
// must end in defer.
#include "dns/verdict.h"

#include <algorithm>

#include "metrics/metrics.h"

namespace smtpsec::dns {
namespace {

std::string failure_reason(const Answer& answer) {
    if (answer.security == Security::bogus) return "DNSSEC validation failed (bogus): " + answer.reason;
    return "lookup failed: " + answer.reason;
}

std::string absence(const Answer& answer) { return answer.nxdomain() ? "NXDOMAIN" : "NODATA"; }

}  // namespace

std::string_view name_of(Verdict verdict) {
    switch (verdict) {
    case Verdict::smtpsec: return "smtpsec";
    case Verdict::none_secure: return "none_secure";
    case Verdict::none_insecure: return "none_insecure";
    case Verdict::defer: return "defer";
    }
    return "defer";
}

std::string_view name_of(TlsaVerdict verdict) {
    switch (verdict) {
    case TlsaVerdict::secure: return "secure";
    case TlsaVerdict::none_secure: return "none_secure";
    case TlsaVerdict::insecure: return "insecure";
    case TlsaVerdict::defer: return "defer";
    }
    return "defer";
}

namespace {

Discovery decide_discovery_once(std::string query, const Answer& answer, const UniformRandom& random) {
    Discovery d;
    d.query = std::move(query);
    d.security = answer.security;
    if (answer.security == Security::bogus || answer.security == Security::error) {
        d.verdict = Verdict::defer;
        d.reason = failure_reason(answer);
        return d;
    }
    bool parsed = true;
    for (const auto& rdata : answer.records) {
        auto target = parse_srv(rdata);
        if (!target) {
            parsed = false;
            break;
        }
        d.records.push_back(std::move(*target));
    }
    if (!parsed) d.records.clear();

    if (answer.security == Security::insecure) {
        d.verdict = Verdict::none_insecure;
        d.reason = "the zone is provably unsigned (DNSSEC insecure), " +
                   (answer.records.empty()
                        ? absence(answer)
                        : std::to_string(answer.records.size()) + " SRV record(s) not trusted");
        return d;
    }
    // Secure from here on.
    if (answer.records.empty()) {
        d.verdict = Verdict::none_secure;
        d.reason = "no SRV record (" + absence(answer) + ", DNSSEC secure)";
        return d;
    }
    if (!parsed) {
        d.verdict = Verdict::defer;
        d.reason = "malformed SRV record in a secure answer";
        return d;
    }
    std::vector<SrvTarget> usable;
    std::copy_if(d.records.begin(), d.records.end(), std::back_inserter(usable),
                 [](const SrvTarget& t) { return t.host != "."; });
    if (usable.empty()) {
        // RFC 2782: target "." means the service is decidedly not available.
        d.verdict = Verdict::none_secure;
        d.reason = "SRV target \".\": the domain declares no SMTPsec service (DNSSEC secure)";
        return d;
    }
    d.verdict = Verdict::smtpsec;
    d.targets = order_srv_targets(std::move(usable), random);
    d.reason = std::to_string(d.targets.size()) + " SRV target(s) (DNSSEC secure)";
    return d;
}

}  // namespace

Discovery decide_discovery(std::string query, const Answer& answer, const UniformRandom& random) {
    Discovery d = decide_discovery_once(std::move(query), answer, random);
    static_assert(static_cast<int>(Verdict::defer) == static_cast<int>(metrics::DnsVerdict::defer));
    metrics::count(static_cast<metrics::DnsVerdict>(static_cast<std::uint8_t>(d.verdict)));
    return d;
}

TlsaResult decide_tlsa(std::string query, const Answer& answer) {
    TlsaResult t;
    t.query = std::move(query);
    switch (answer.security) {
    case Security::bogus:
    case Security::error:
        t.verdict = TlsaVerdict::defer;
        t.reason = failure_reason(answer);
        return t;
    case Security::insecure:
        t.verdict = TlsaVerdict::insecure;
        t.reason = "the zone is provably unsigned (DNSSEC insecure): no DANE";
        return t;
    case Security::secure: break;
    }
    if (answer.records.empty()) {
        t.verdict = TlsaVerdict::none_secure;
        t.reason = "no TLSA record (" + absence(answer) + ", DNSSEC secure)";
        return t;
    }
    for (const auto& rdata : answer.records) {
        auto record = parse_tlsa(rdata);
        if (!record) {
            t.records.clear();
            t.verdict = TlsaVerdict::defer;
            t.reason = "malformed TLSA record in a secure answer";
            return t;
        }
        t.records.push_back(std::move(*record));
    }
    t.verdict = TlsaVerdict::secure;
    t.reason = std::to_string(t.records.size()) + " TLSA record(s) (DNSSEC secure)";
    return t;
}

AddressSet decide_addresses(const Answer& answer, AddressFamily family) {
    AddressSet set;
    set.security = answer.security;
    if (answer.security == Security::bogus || answer.security == Security::error) {
        set.reason = failure_reason(answer);
        return set;
    }
    for (const auto& rdata : answer.records) {
        auto address = family == AddressFamily::ipv4 ? parse_a(rdata) : parse_aaaa(rdata);
        if (!address) {
            set.addresses.clear();
            set.security = Security::error;
            set.reason = family == AddressFamily::ipv4 ? "malformed A record" : "malformed AAAA record";
            return set;
        }
        set.addresses.push_back(*address);
    }
    return set;
}

}  // namespace smtpsec::dns

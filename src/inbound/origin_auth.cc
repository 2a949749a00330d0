// See origin_auth.h.
#include "inbound/origin_auth.h"

#include <fmt/core.h>

#include "imf/idna.h"
#include "metrics/metrics.h"
#include "smtpsec/signature.h"

namespace smtpsec::inbound {

struct OriginAuthenticator::Check {
    dns::Resolver* resolver;
    std::shared_ptr<const tls::AuthPolicy> policy;
    std::shared_ptr<AuthCache> cache;
    CertificateChain chain;
    Callback callback;
    OriginVerdict verdict;
    std::vector<dns::SrvTarget> targets;
    std::size_t next = 0;
    std::vector<std::string> failures;
    bool deferred = false;

    void finish(OriginVerdict::Kind kind, std::string reason, metrics::OriginAuth counted) {
        metrics::count(counted);
        verdict.kind = kind;
        verdict.reason = std::move(reason);
        auto cb = std::move(callback);
        cb(std::move(verdict));
    }
};

OriginAuthenticator::OriginAuthenticator(dns::Resolver& resolver,
                                         std::shared_ptr<const tls::AuthPolicy> policy)
    : resolver_(resolver), policy_(std::move(policy)), cache_(std::make_shared<AuthCache>()) {}

void OriginAuthenticator::set_policy(std::shared_ptr<const tls::AuthPolicy> policy) {
    policy_ = std::move(policy);
    cache_->clear();
}

std::shared_ptr<void> OriginAuthenticator::check(const Email& email, const CertificateChain& chain,
                                                 Callback callback) {
    auto check = std::make_shared<Check>();
    check->resolver = &resolver_;
    check->policy = policy_;
    check->cache = cache_;
    check->chain = chain;
    check->callback = std::move(callback);

    // Refusals that need no DNS are reported at once (see the header).
    auto refuse_now = [&](std::string reason, metrics::OriginAuth cause) {
        check->finish(OriginVerdict::Kind::refused, std::move(reason), cause);
    };

    auto from = imf::origin_mailbox(email.message.view());
    if (!from) {
        refuse_now(from.error().reason, metrics::OriginAuth::no_from);
        return check;
    }
    check->verdict.from = *from;
    // DNS, SRVName and certificate names are A-labels: a U-label From domain
    // is looked up and compared in that form, and one that is no host name
    // is refused here rather than failing in DNS as if temporarily (idna.h).
    auto a_label = imf::host_a_label(from->domain);
    if (!a_label) {
        refuse_now(fmt::format("From domain {}: {}", from->domain, a_label.error().reason),
                   metrics::OriginAuth::no_from);
        return check;
    }
    check->verdict.from.domain_lower = *a_label;

    auto key = VerifyingKey::from_certificate_der(chain.front().span());
    if (!key) {
        refuse_now("leaf certificate unreadable: " + key.error(), metrics::OriginAuth::bad_signature);
        return check;
    }
    auto status = key->verify(email.signature_method.algorithm, email.message.span(), email.signature.span());
    if (status != VerifyStatus::valid) {
        refuse_now(fmt::format("signature {} ({} with the leaf of chain {})", name_of(status),
                               name_of(email.signature_method.algorithm), email.certificate_chain),
                   metrics::OriginAuth::bad_signature);
        return check;
    }

    std::weak_ptr<Check> weak = check;
    const std::string domain = check->verdict.from.domain_lower;
    resolver_.discover(domain, [weak, domain](const dns::Discovery& found) {
        auto c = weak.lock();
        if (!c) return;
        switch (found.verdict) {
        case dns::Verdict::smtpsec:
            c->targets = found.targets;
            next_target(c);
            return;
        case dns::Verdict::none_secure:
        case dns::Verdict::none_insecure:
            c->finish(OriginVerdict::Kind::refused,
                      fmt::format("From domain {} has no DNSSEC-secure SMTPsec SRV records ({}: {})", domain,
                                  dns::name_of(found.verdict), found.reason),
                      metrics::OriginAuth::no_smtpsec_domain);
            return;
        case dns::Verdict::defer:
            c->finish(OriginVerdict::Kind::temporary,
                      fmt::format("DNS for From domain {} deferred: {}", domain, found.reason),
                      metrics::OriginAuth::dns_deferred);
            return;
        }
    });
    return check;
}

void OriginAuthenticator::next_target(const std::shared_ptr<Check>& c) {
    if (c->next >= c->targets.size()) {
        std::string all;
        for (const auto& f : c->failures) all += (all.empty() ? "" : "; ") + f;
        c->finish(c->deferred ? OriginVerdict::Kind::temporary : OriginVerdict::Kind::refused,
                  fmt::format("certificate not accepted for any SMTPsec server of {}: {}",
                              c->verdict.from.domain_lower, all),
                  c->deferred ? metrics::OriginAuth::dns_deferred : metrics::OriginAuth::certificate_refused);
        return;
    }
    dns::SrvTarget target = c->targets[c->next++];
    std::weak_ptr<Check> weak = c;
    c->resolver->tlsa(target.port, target.host, [weak, target](const dns::TlsaResult& tlsa) {
        auto c = weak.lock();
        if (!c) return;
        if (tlsa.verdict == dns::TlsaVerdict::defer) {
            c->deferred = true;
            c->failures.push_back(
                fmt::format("{}:{}: TLSA deferred: {}", target.host, target.port, tlsa.reason));
            next_target(c);
            return;
        }
        std::vector<tls::TlsaRecord> records;
        if (tlsa.verdict == dns::TlsaVerdict::secure)
            for (const auto& r : tlsa.records)
                records.push_back({r.usage, r.selector, r.matching_type, r.data});
        const tls::AuthTarget auth_target{target.host, target.port, std::move(records)};
        const auto& domain = c->verdict.from.domain_lower;
        const auto now = c->policy->now();
        // A chain over tls::authenticate's length limit is refused there
        // before any parsing: nothing worth remembering (auth_cache.h).
        const bool cacheable = c->chain.size() <= AuthCache::kMaxChainForCache;
        auto key = cacheable ? AuthCache::key_of(c->chain, auth_target, domain) : std::string();
        auto cached = cacheable ? c->cache->find(key, now) : std::nullopt;
        auto result = cached ? std::move(*cached)
                             : tls::authenticate(*c->policy, c->chain, auth_target, domain);
        if (!cached && cacheable) c->cache->store(std::move(key), result, now);
        if (!result.ok) {
            c->failures.push_back(fmt::format("{}:{}: {}", target.host, target.port, result.reason));
            next_target(c);
            return;
        }
        c->verdict.server_name = result.matched_name;
        c->verdict.auth = std::move(result);
        c->finish(OriginVerdict::Kind::authenticated, c->verdict.auth.reason,
                  c->verdict.auth.dane_ee   ? metrics::OriginAuth::dane_ee
                  : c->verdict.auth.dane_ta ? metrics::OriginAuth::dane_ta
                                            : metrics::OriginAuth::ca_ct);
    });
}

}  // namespace smtpsec::inbound

// See signers.h.
#include "daemon/signers.h"

#include <fmt/format.h>

#include <stdexcept>

namespace smtpsec::daemon {

Signers::Signers(event::Loop& loop, dns::Resolver& resolver, const std::vector<SigningConfig>& identities,
                 const std::shared_ptr<const tls::AuthPolicy>& policy, outbound::Timeouts timeouts)
    : loop_(loop), resolver_(resolver), policy_(policy), timeouts_(timeouts) {
    auto creds = tls::Credentials::client();
    if (!creds) throw std::runtime_error(fmt::format("TLS client credentials: {}", creds.error()));
    credentials_ = *creds;
    for (const auto& s : identities) {
        auto id = SigningIdentity::load(s.certificate, s.key);
        if (!id) throw std::runtime_error(fmt::format("[[signing]] {}: {}", s.domain, id.error()));
        auto entry = std::make_unique<Entry>(Entry{std::move(*id), nullptr});
        outbound::ConnectionSettings settings{*creds, policy, entry->identity.chain, timeouts};
        entry->deliverer = std::make_unique<outbound::Deliverer>(loop, resolver, entry->identity.key,
                                                                 settings);
        by_domain_[s.domain] = std::move(entry);
    }
}

outbound::Deliverer* Signers::for_domain(const std::string& domain) {
    auto it = by_domain_.find(domain);
    return it == by_domain_.end() ? nullptr : it->second->deliverer.get();
}

std::vector<std::string> Signers::domains() const {
    std::vector<std::string> out;
    for (const auto& [d, e] : by_domain_) out.push_back(d);
    return out;
}

bool Signers::idle() const {
    for (const auto& [d, e] : by_domain_)
        if (e->deliverer->pending() > 0 || e->deliverer->connections() > 0) return false;
    for (const auto& [c, d] : forwarders_)
        if (d->pending() > 0 || d->connections() > 0) return false;
    return true;
}

outbound::Deliverer* Signers::forwarder(const CertificateChain& chain) {
    if (by_domain_.empty()) return nullptr;
    std::string key;
    for (const auto& cert : chain) {
        key += std::to_string(cert.size()) + ":";
        key.append(reinterpret_cast<const char*>(cert.data()), cert.size());
    }
    if (auto it = forwarders_.find(key); it != forwarders_.end()) return it->second.get();
    constexpr std::size_t kMaxForwarders = 32;
    if (forwarders_.size() >= kMaxForwarders)
        std::erase_if(forwarders_,
                      [](const auto& f) { return f.second->pending() == 0 && f.second->connections() == 0; });
    outbound::ConnectionSettings settings{credentials_, policy_, chain, timeouts_};
    auto& any_key = by_domain_.begin()->second->identity.key;
    auto made = std::make_unique<outbound::Deliverer>(loop_, resolver_, any_key, settings);
    auto* out = made.get();
    forwarders_[key] = std::move(made);
    return out;
}

}  // namespace smtpsec::daemon

// See signers.h.
#include "daemon/signers.h"

#include <fmt/format.h>

#include <stdexcept>

namespace smtpsec::daemon {

Signers::Signers(event::Loop& loop, dns::Resolver& resolver, const std::vector<SigningConfig>& identities,
                 std::shared_ptr<const tls::AuthPolicy> policy, outbound::Timeouts timeouts) {
    auto creds = tls::Credentials::client();
    if (!creds) throw std::runtime_error(fmt::format("TLS client credentials: {}", creds.error()));
    for (const auto& s : identities) {
        auto id = SigningIdentity::load(s.certificate, s.key);
        if (!id) throw std::runtime_error(fmt::format("[[signing]] {}: {}", s.domain, id.error()));
        auto entry = std::make_unique<Entry>(Entry{std::move(*id), nullptr});
        outbound::ConnectionSettings settings{*creds, policy, entry->identity.chain, timeouts};
        entry->deliverer = std::make_unique<outbound::Deliverer>(loop, resolver, entry->identity.key, settings);
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
    return true;
}

}  // namespace smtpsec::daemon

// See auth_cache.h.
#include "inbound/auth_cache.h"

#include <fmt/core.h>

namespace smtpsec::inbound {
namespace {

// Length-prefixed, so no two different inputs give the same key.
void append(std::string& key, std::string_view part) {
    key += fmt::format("{}:", part.size());
    key.append(part);
}

}  // namespace

std::string AuthCache::key_of(const CertificateChain& chain, const tls::AuthTarget& target,
                              std::string_view service_domain) {
    std::string key;
    append(key, service_domain);
    append(key, target.host);
    key += fmt::format("{};", target.port);
    for (const auto& r : target.tlsa) {
        key += fmt::format("{} {} {} ", r.usage, r.selector, r.matching_type);
        append(key, std::string_view(reinterpret_cast<const char*>(r.data.data()), r.data.size()));
    }
    key += '|';
    for (const auto& cert : chain) {
        const auto der = cert.span();
        append(key, std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
    }
    return key;
}

std::optional<tls::AuthResult> AuthCache::find(const std::string& key, tls::TimePoint now) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    // A clock that went back is treated like an expired entry.
    if (now < it->second.at || now - it->second.at >= kLifetime) return std::nullopt;
    return it->second.result;
}

void AuthCache::store(std::string key, tls::AuthResult result, tls::TimePoint now) {
    // Bounded: many distinct senders at once just start over.
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.insert_or_assign(std::move(key), Entry{std::move(result), now});
}

}  // namespace smtpsec::inbound

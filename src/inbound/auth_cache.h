// Remembers recent certificate authentication results of origin
// authentication (docs/decisions.md point 22) for a short time.
//
// Why it exists: every Email of a connection is signed with the same chain
// and the same From domain, so tls::authenticate would run the identical
// path validation and SCT verification (about 1 ms of CPU, most of it in
// OpenSSL's CT code) for each one; that, not the protocol, limited a
// pipelined connection to a few hundred Emails per second. The result is a
// pure function of (chain, target D:P, its TLSA records, F, policy, time), so
// it is reused only for exactly the same inputs and for at most kLifetime, so
// a certificate that expires or DNS that changes is noticed within that time.
//
// The cache faces the Internet (issue 13 item 4): anyone can send a large
// chain with a new From domain per Email. So the key is a SHA-256 digest of
// the inputs (32 bytes whatever the chain's size: the chain itself is never
// copied), each entry is charged its bytes, and the whole is bounded by
// bytes, by entries and by age; the oldest entries go first. Only results of
// tls::authenticate are stored: they depend on nothing but the key's inputs
// and the clock, so a refusal is as final as an acceptance for kLifetime. A
// DNS answer that was not final (TLSA or SRV deferred) never reaches the
// cache (origin_auth.cc), so a temporary failure is never remembered.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "smtpsec/message.h"
#include "tls/auth.h"

namespace smtpsec::inbound {

class AuthCache {
public:
    // No DNS TTL reaches this layer (dns::Discovery and TlsaResult carry
    // none), so a fixed, short lifetime bounds how long a changed TLSA record
    // or an expired certificate can go unnoticed.
    static constexpr std::chrono::seconds kLifetime{60};
    static constexpr std::size_t kMaxEntries = 1024;
    // What every entry is charged beyond its strings: the key, the list and
    // map nodes, the AuthResult itself.
    static constexpr std::size_t kEntryOverhead = 256;
    static constexpr std::size_t kMaxBytes = 1024 * 1024;
    // A chain longer than tls::authenticate accepts is refused there before
    // anything is parsed; its result is not worth a place in the cache.
    static constexpr std::size_t kMaxChainForCache = 16;

    AuthCache() = default;
    AuthCache(std::size_t max_entries, std::size_t max_bytes)
        : max_entries_(max_entries), max_bytes_(max_bytes) {}

    // The key for these inputs: SHA-256 over the length-prefixed chain DER,
    // target host and port, its TLSA records and F (32 bytes).
    static std::string key_of(std::span<const Bytes> chain, const tls::AuthTarget& target,
                              std::string_view service_domain);

    // The result stored under `key` at most kLifetime before `now`.
    std::optional<tls::AuthResult> find(const std::string& key, tls::TimePoint now) const;
    // Stores a result of tls::authenticate; drops expired entries, then the
    // oldest ones until the new one fits. An entry larger than the whole
    // budget is not stored.
    void store(std::string key, tls::AuthResult result, tls::TimePoint now);
    // A new policy makes every stored result stale.
    void clear();
    std::size_t size() const { return index_.size(); }
    // Bytes charged for the entries held (kEntryOverhead + strings each).
    std::size_t bytes() const { return bytes_; }

    static std::size_t charge_of(const std::string& key, const tls::AuthResult& result);

private:
    struct Entry {
        std::string key;
        tls::AuthResult result;
        tls::TimePoint at;
        std::size_t charge;
    };
    void drop_front();

    std::size_t max_entries_ = kMaxEntries;
    std::size_t max_bytes_ = kMaxBytes;
    // Oldest first: every entry lives kLifetime from its store, so the store
    // order is also the expiry order.
    std::list<Entry> entries_;
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
};

}  // namespace smtpsec::inbound

// Remembers recent certificate authentication results of origin
// authentication (decisions point 22) for a short time.
//
// Why it exists: every Email of a connection is signed with the same chain
// and the same From domain, so tls::authenticate would run the identical
// path validation and SCT verification (about 1 ms of CPU, most of it in
// OpenSSL's CT code) for each one; that, not the protocol, limited a
// pipelined connection to a few hundred Emails per second. The result is a
// pure function of (chain, target D:P, its TLSA records, F, policy, time), so
// it is reused only for exactly the same inputs and for at most kLifetime, so
// a certificate that expires or DNS that changes is noticed within that time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "smtpsec/message.h"
#include "tls/auth.h"

namespace smtpsec::inbound {

class AuthCache {
public:
    static constexpr std::chrono::seconds kLifetime{60};
    static constexpr std::size_t kMaxEntries = 1024;

    // The key for these inputs (the chain's DER, the target and its TLSA
    // records, F).
    static std::string key_of(const CertificateChain& chain, const tls::AuthTarget& target,
                              std::string_view service_domain);

    // The result stored under `key` at most kLifetime before `now`.
    std::optional<tls::AuthResult> find(const std::string& key, tls::TimePoint now) const;
    void store(std::string key, tls::AuthResult result, tls::TimePoint now);
    // A new policy makes every stored result stale.
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        tls::AuthResult result;
        tls::TimePoint at;
    };
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace smtpsec::inbound

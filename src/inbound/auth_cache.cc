// See auth_cache.h.
#include "inbound/auth_cache.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <stdexcept>

namespace smtpsec::inbound {
namespace {

class Sha256 {
public:
    Sha256() {
        if (gnutls_hash_init(&h_, GNUTLS_DIG_SHA256) < 0) throw std::runtime_error("SHA-256 unavailable");
    }
    ~Sha256() {
        if (h_) gnutls_hash_deinit(h_, nullptr);
    }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void raw(const void* data, std::size_t size) {
        if (size > 0) gnutls_hash(h_, data, size);
    }
    // Length-prefixed, so no two different inputs give the same sequence.
    void part(const void* data, std::size_t size) {
        number(size);
        raw(data, size);
    }
    void part(std::string_view s) { part(s.data(), s.size()); }
    // A bare count (of the elements that follow).
    void count(std::size_t n) { number(n); }
    void number(std::uint64_t v) {
        std::array<unsigned char, 8> n{};
        for (int i = 0; i < 8; ++i) n[7 - i] = static_cast<unsigned char>(v >> (8 * i));
        raw(n.data(), n.size());
    }
    std::string finish() {
        std::string out(32, '\0');
        gnutls_hash_deinit(h_, out.data());
        h_ = nullptr;
        return out;
    }

private:
    gnutls_hash_hd_t h_ = nullptr;
};

}  // namespace

std::string AuthCache::key_of(std::span<const Bytes> chain, const tls::AuthTarget& target,
                              std::string_view service_domain) {
    Sha256 h;
    h.part(service_domain);
    h.part(target.host);
    const unsigned char port[2] = {static_cast<unsigned char>(target.port >> 8),
                                   static_cast<unsigned char>(target.port)};
    h.part(port, sizeof port);
    h.count(target.tlsa.size());  // the count, so records and chain cannot run together
    for (const auto& r : target.tlsa) {
        const unsigned char fields[3] = {r.usage, r.selector, r.matching_type};
        h.part(fields, sizeof fields);
        h.part(r.data.data(), r.data.size());
    }
    h.count(chain.size());
    for (const auto& cert : chain) h.part(cert.data(), cert.size());
    return h.finish();
}

std::size_t AuthCache::charge_of(const std::string& key, const tls::AuthResult& result) {
    return kEntryOverhead + key.capacity() + result.matched_name.capacity() + result.tlsa_matched.capacity() +
           result.reason.capacity();
}

std::optional<tls::AuthResult> AuthCache::find(const std::string& key, tls::TimePoint now) const {
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    const Entry& e = *it->second;
    // A clock that went back is treated like an expired entry.
    if (now < e.at || now - e.at >= kLifetime) return std::nullopt;
    return e.result;
}

void AuthCache::drop_front() {
    bytes_ -= entries_.front().charge;
    index_.erase(entries_.front().key);
    entries_.pop_front();
}

void AuthCache::store(std::string key, tls::AuthResult result, tls::TimePoint now) {
    if (auto it = index_.find(key); it != index_.end()) {
        bytes_ -= it->second->charge;
        entries_.erase(it->second);
        index_.erase(it);
    }
    while (!entries_.empty() && (now < entries_.front().at || now - entries_.front().at >= kLifetime))
        drop_front();
    const std::size_t charge = charge_of(key, result);
    if (charge > max_bytes_ || max_entries_ == 0) return;
    while (!entries_.empty() && (entries_.size() >= max_entries_ || bytes_ + charge > max_bytes_))
        drop_front();
    entries_.push_back(Entry{key, std::move(result), now, charge});
    index_.emplace(std::move(key), std::prev(entries_.end()));
    bytes_ += charge;
}

void AuthCache::clear() {
    index_.clear();
    entries_.clear();
    bytes_ = 0;
}

}  // namespace smtpsec::inbound

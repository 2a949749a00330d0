// The origin-authentication result cache: reused only for identical inputs
// and only within its lifetime.
#include <catch2/catch.hpp>

#include "inbound/auth_cache.h"

using namespace smtpsec;
using inbound::AuthCache;

namespace {

CertificateChain chain_of(std::initializer_list<std::string_view> ders) {
    CertificateChain chain;
    for (auto d : ders) chain.push_back(Bytes::copy_of(d));
    return chain;
}

tls::AuthResult ok(std::string reason) {
    tls::AuthResult r;
    r.ok = true;
    r.reason = std::move(reason);
    return r;
}

}  // namespace

TEST_CASE("keys differ whenever an input of authenticate() differs", "[inbound][auth_cache]") {
    const auto chain = chain_of({"leaf", "ca"});
    const tls::AuthTarget target{"mx.a.test", 443, {{3, 1, 1, std::vector<std::uint8_t>(32, 7)}}};
    const auto key = AuthCache::key_of(chain, target, "a.test");
    CHECK(key == AuthCache::key_of(chain_of({"leaf", "ca"}), target, "a.test"));
    CHECK(key != AuthCache::key_of(chain_of({"leaf", "cb"}), target, "a.test"));
    CHECK(key != AuthCache::key_of(chain_of({"lea", "fca"}), target, "a.test"));  // boundaries count
    CHECK(key != AuthCache::key_of(chain, target, "b.test"));
    auto other_port = target;
    other_port.port = 444;
    CHECK(key != AuthCache::key_of(chain, other_port, "a.test"));
    auto other_host = target;
    other_host.host = "mx.b.test";
    CHECK(key != AuthCache::key_of(chain, other_host, "a.test"));
    auto other_tlsa = target;
    other_tlsa.tlsa[0].data[0] = 8;
    CHECK(key != AuthCache::key_of(chain, other_tlsa, "a.test"));
    auto no_tlsa = target;
    no_tlsa.tlsa.clear();
    CHECK(key != AuthCache::key_of(chain, no_tlsa, "a.test"));
}

TEST_CASE("a stored result is found within its lifetime only", "[inbound][auth_cache]") {
    AuthCache cache;
    const tls::TimePoint t0 = tls::TimePoint{} + std::chrono::hours(1000);
    cache.store("k", ok("first"), t0);
    REQUIRE(cache.find("k", t0));
    CHECK(cache.find("k", t0)->reason == "first");
    CHECK(cache.find("k", t0 + AuthCache::kLifetime - std::chrono::seconds(1)));
    CHECK_FALSE(cache.find("k", t0 + AuthCache::kLifetime));
    CHECK_FALSE(cache.find("k", t0 - std::chrono::seconds(1)));  // clock went back
    CHECK_FALSE(cache.find("other", t0));
    cache.clear();
    CHECK_FALSE(cache.find("k", t0));
}

TEST_CASE("the cache stays bounded", "[inbound][auth_cache]") {
    AuthCache cache;
    const tls::TimePoint t0{};
    for (std::size_t i = 0; i <= AuthCache::kMaxEntries; ++i) cache.store(std::to_string(i), ok("x"), t0);
    CHECK(cache.size() <= AuthCache::kMaxEntries);
    CHECK(cache.find(std::to_string(AuthCache::kMaxEntries), t0));
}

namespace {

tls::AuthResult refused(std::string reason) {
    tls::AuthResult r;
    r.reason = std::move(reason);
    return r;
}

}  // namespace

// Issue 13 item 4: the key used to hold a copy of the whole chain, so a
// multi-megabyte chain with a new From domain per Email grew the daemon by
// the chain's size each time.
TEST_CASE("the key is a 32-byte digest however large the chain", "[inbound][auth_cache]") {
    CertificateChain big;
    for (int i = 0; i < 4; ++i) big.push_back(Bytes(std::vector<std::uint8_t>(1 << 20, std::uint8_t(i))));
    const tls::AuthTarget target{"mx.a.test", 443, {}};
    const auto key = AuthCache::key_of(big, target, "a.test");
    CHECK(key.size() == 32);
    CHECK(key != AuthCache::key_of(big, target, "a2.test"));
    auto changed = big;
    std::vector<std::uint8_t> last(1 << 20, 3);
    last.back() = 9;
    changed.back() = Bytes(std::move(last));
    CHECK(key != AuthCache::key_of(changed, target, "a.test"));
    // Counts are part of the digest: TLSA bytes cannot pass for a certificate.
    CHECK(AuthCache::key_of(chain_of({}), {"h", 1, {{3, 1, 1, {1, 2}}}}, "d") !=
          AuthCache::key_of(chain_of({"\x03\x01\x01"}), {"h", 1, {}}, "d"));
}

TEST_CASE("a new From domain per Email cannot grow the cache past its byte budget", "[inbound][auth_cache]") {
    AuthCache cache;
    const tls::TimePoint t0 = tls::TimePoint{} + std::chrono::hours(1000);
    const tls::AuthTarget target{"mx.a.test", 443, {}};
    const auto chain = chain_of({"leaf", "ca"});
    for (int i = 0; i < 5000; ++i) {
        // A refusal's reason may quote what the certificate says: charged too.
        cache.store(AuthCache::key_of(chain, target, "d" + std::to_string(i) + ".test"),
                    refused(std::string(2000, 'r')), t0);
        REQUIRE(cache.bytes() <= AuthCache::kMaxBytes);
        REQUIRE(cache.size() <= AuthCache::kMaxEntries);
    }
    // The newest is kept, the oldest went first.
    CHECK(cache.find(AuthCache::key_of(chain, target, "d4999.test"), t0));
    CHECK_FALSE(cache.find(AuthCache::key_of(chain, target, "d0.test"), t0));
}

TEST_CASE("expired entries are dropped, not kept until the cache is full", "[inbound][auth_cache]") {
    AuthCache cache;
    const tls::TimePoint t0 = tls::TimePoint{} + std::chrono::hours(1000);
    for (int i = 0; i < 10; ++i) cache.store("k" + std::to_string(i), ok("x"), t0);
    CHECK(cache.size() == 10);
    cache.store("late", ok("y"), t0 + AuthCache::kLifetime);
    CHECK(cache.size() == 1);
    CHECK(cache.bytes() == AuthCache::charge_of("late", ok("y")));
    // A clock that went back drops what it can no longer date.
    cache.store("earlier", ok("z"), t0);
    CHECK(cache.size() == 1);
}

TEST_CASE("an entry larger than the whole budget is not stored", "[inbound][auth_cache]") {
    AuthCache cache(8, 4096);
    const tls::TimePoint t0{};
    cache.store("small", ok("x"), t0);
    cache.store("huge", refused(std::string(8192, 'r')), t0);
    CHECK_FALSE(cache.find("huge", t0));
    CHECK(cache.find("small", t0));
    // Storing the same key again replaces it and charges it once.
    cache.store("small", ok("x2"), t0);
    CHECK(cache.size() == 1);
    CHECK(cache.find("small", t0)->reason == "x2");
    CHECK(cache.bytes() == AuthCache::charge_of("small", ok("x2")));
}

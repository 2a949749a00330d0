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

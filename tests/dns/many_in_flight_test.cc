// Regression test for the libev/libunbound clash (see the top-level
// meson.build): Debian's libev.so exports libevent-compatible names that
// libunbound (libevent-based, and pulled in again by libgnutls-dane) would
// bind to, corrupting its heap at the first asynchronous lookup. Built with
// the link line the daemon uses (dns_dep with the static, hidden libev, plus
// gnutls-dane), this resolves 200 names at once, twice, and checks which
// library the process binds libevent names to.
#include <dlfcn.h>
#include <catch2/catch.hpp>
extern "C" {  // gnutls/dane.h has no C++ guard
#include <gnutls/dane.h>
}

#include <string>

#include "dns/resolver.h"
#include "support/dns_fixture.h"

using namespace smtpsec::dns;
using smtpsec::event::Loop;
using smtpsec::test::DnsFixture;

TEST_CASE("libevent names resolve to libevent, not to libev", "[resolver][integration][link]") {
    // Referencing libgnutls-dane keeps it on the link line (--as-needed).
    CHECK(dane_strerror(0) != nullptr);
    for (const char* name : {"event_base_new", "event_set", "event_add"}) {
        INFO(name);
        void* symbol = dlsym(RTLD_DEFAULT, name);
        REQUIRE(symbol != nullptr);
        Dl_info info{};
        REQUIRE(dladdr(symbol, &info) != 0);
        REQUIRE(info.dli_fname != nullptr);
        CHECK(std::string(info.dli_fname).find("libevent") != std::string::npos);
        CHECK(std::string(info.dli_fname).find("libev.") == std::string::npos);
    }
}

TEST_CASE("200 asynchronous lookups in flight all complete correctly", "[resolver][integration][link]") {
    constexpr int count = 200;
    Loop loop;
    Resolver resolver(loop, DnsFixture::shared().resolver_config(std::chrono::milliseconds(20'000)));
    for (int round = 0; round < 2; ++round) {  // cold, then from the cache
        INFO("round " << round);
        int done = 0;
        int correct = 0;
        for (int i = 0; i < count; ++i) {
            const std::string domain = "d" + std::to_string(i) + ".bench.test";
            resolver.discover(domain, [&, domain](const Discovery& d) {
                ++done;
                const bool ok = d.verdict == Verdict::smtpsec && d.query == "_smtpsec._tcp." + domain &&
                                d.targets.size() == 1 &&
                                d.targets[0] == SrvTarget{"mx.bench.test", 4650, 0, 0};
                if (ok)
                    ++correct;
                else
                    UNSCOPED_INFO(domain << ": " << name_of(d.verdict) << " " << d.reason);
            });
        }
        CHECK(resolver.queries_in_flight() == count);
        while (done < count) loop.run_once();
        CHECK(correct == count);
        CHECK(resolver.queries_in_flight() == 0);
    }
    CHECK(resolver.queries_started() == 2 * count);
}

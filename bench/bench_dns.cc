// DNS benchmark against the DNSSEC test fixture (nsd on 127.0.0.1): lookups
// per second for 1,000 distinct names (cold, then cached) through the
// asynchronous Resolver with all lookups in flight, and the latency of one
// cached discover(). Baselines, same run and same zones, contexts of the same
// configuration: libunbound's asynchronous API driven by ub_wait() (the same
// thread hand-over without the loop, sharing or verdicts: the Resolver's
// overhead is the difference), and its synchronous ub_resolve() (what a
// blocking design would get).
#include <fmt/core.h>
#include <unbound.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "support/dns_fixture.h"

using namespace smtpsec;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int names = 1000;
constexpr int latency_samples = 5000;

std::string domain(int i) { return "d" + std::to_string(i) + ".bench.test"; }

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Synchronous libunbound: sequential lookups; returns seconds for all.
struct SyncBaseline {
    ub_ctx* ctx;
    explicit SyncBaseline(const std::string& config) : ctx(ub_ctx_create()) {
        if (ctx == nullptr || ub_ctx_config(ctx, config.c_str()) != 0) throw std::runtime_error("ub_ctx");
    }
    ~SyncBaseline() { ub_ctx_delete(ctx); }
    bool resolve(const std::string& name) {
        ub_result* result = nullptr;
        if (ub_resolve(ctx, name.c_str(), 33, 1, &result) != 0) return false;
        const bool ok = result->secure && result->havedata;
        ub_resolve_free(result);
        return ok;
    }
    double all(int count) {
        const auto start = Clock::now();
        for (int i = 0; i < count; ++i) {
            if (!resolve("_smtpsec._tcp." + domain(i))) throw std::runtime_error("baseline lookup failed");
        }
        return seconds_since(start);
    }
};

// ub_resolve_async in a thread context, answers collected with ub_wait().
struct AsyncWaitBaseline {
    ub_ctx* ctx;
    int done = 0;
    int good = 0;
    explicit AsyncWaitBaseline(const std::string& config) : ctx(ub_ctx_create()) {
        if (ctx == nullptr || ub_ctx_config(ctx, config.c_str()) != 0 || ub_ctx_async(ctx, 1) != 0)
            throw std::runtime_error("ub_ctx");
    }
    ~AsyncWaitBaseline() { ub_ctx_delete(ctx); }
    static void callback(void* self, int err, ub_result* result) {
        auto* me = static_cast<AsyncWaitBaseline*>(self);
        ++me->done;
        if (err == 0 && result->secure && result->havedata) ++me->good;
        if (result != nullptr) ub_resolve_free(result);
    }
    void start(const std::string& name) {
        if (ub_resolve_async(ctx, name.c_str(), 33, 1, this, &callback, nullptr) != 0)
            throw std::runtime_error("ub_resolve_async");
    }
    double all(int count) {
        done = good = 0;
        const auto start_time = Clock::now();
        for (int i = 0; i < count; ++i) start("_smtpsec._tcp." + domain(i));
        while (done < count) ub_wait(ctx);
        if (good != count) throw std::runtime_error("baseline lookup failed");
        return seconds_since(start_time);
    }
    void one(const std::string& name) {
        const int target = done + 1;
        start(name);
        while (done < target) ub_wait(ctx);
    }
};

// All `count` discoveries started at once; returns seconds until the last.
double all_in_flight(event::Loop& loop, dns::Resolver& resolver, int count) {
    int done = 0;
    int smtpsec = 0;
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        resolver.discover(domain(i), [&](const dns::Discovery& d) {
            ++done;
            if (d.verdict == dns::Verdict::smtpsec) ++smtpsec;
        });
    }
    while (done < count) loop.run_once();
    const double elapsed = seconds_since(start);
    if (smtpsec != count) throw std::runtime_error("a discovery did not give smtpsec");
    return elapsed;
}

struct Latency {
    double mean_us, p50_us, p99_us;
};

template <class F>
Latency measure(F&& one) {
    std::vector<double> us;
    us.reserve(latency_samples);
    for (int i = 0; i < latency_samples; ++i) {
        const auto start = Clock::now();
        one();
        us.push_back(seconds_since(start) * 1e6);
    }
    double sum = 0;
    for (double v : us) sum += v;
    std::sort(us.begin(), us.end());
    return {sum / us.size(), us[us.size() / 2], us[us.size() * 99 / 100]};
}

}  // namespace

int main() {
    const auto fixture_start = Clock::now();
    test::DnsFixture fixture;
    fmt::print("fixture started in {:.2f} s (nsd on 127.0.0.1:{})\n\n", seconds_since(fixture_start),
               fixture.port());

    SyncBaseline baseline(fixture.unbound_config());
    const double sync_cold = baseline.all(names);
    const double sync_cached = baseline.all(names);
    AsyncWaitBaseline waited(fixture.unbound_config());
    const double wait_cold = waited.all(names);
    const double wait_cached = waited.all(names);

    event::Loop loop;
    dns::Resolver resolver(loop, fixture.resolver_config(std::chrono::milliseconds(30'000)));
    const double async_cold = all_in_flight(loop, resolver, names);
    const double async_cached = all_in_flight(loop, resolver, names);

    fmt::print("{} distinct names, SRV _smtpsec._tcp.dN.bench.test, DNSSEC-validated\n", names);
    fmt::print("{:<48} {:>12} {:>12}\n", "", "cold /s", "cached /s");
    fmt::print("{:<48} {:>12.0f} {:>12.0f}\n", "baseline: ub_resolve, sequential", names / sync_cold,
               names / sync_cached);
    fmt::print("{:<48} {:>12.0f} {:>12.0f}\n", "baseline: ub_resolve_async + ub_wait, in flight",
               names / wait_cold, names / wait_cached);
    fmt::print("{:<48} {:>12.0f} {:>12.0f}\n", "Resolver::discover, all in flight", names / async_cold,
               names / async_cached);
    fmt::print("{:<48} {:>12.2f} {:>12.2f}\n", "ratio discover / ub_resolve", sync_cold / async_cold,
               sync_cached / async_cached);
    fmt::print("{:<48} {:>12.2f} {:>12.2f}\n\n", "ratio discover / ub_resolve_async+ub_wait",
               wait_cold / async_cold, wait_cached / async_cached);

    const Latency sync_latency = measure([&] { baseline.resolve("_smtpsec._tcp.a.test"); });
    const Latency wait_latency = measure([&] { waited.one("_smtpsec._tcp.a.test"); });
    bool seen = false;
    const Latency discover_latency = measure([&] {
        bool done = false;
        resolver.discover("a.test", [&](const dns::Discovery& d) {
            done = true;
            seen = d.verdict == dns::Verdict::smtpsec;
        });
        while (!done) loop.run_once();
    });
    if (!seen) throw std::runtime_error("cached discover did not give smtpsec");
    fmt::print("latency of one cached lookup, {} samples  {:>10} {:>10} {:>10}\n", latency_samples, "mean us",
               "p50 us", "p99 us");
    fmt::print("{:<48} {:>10.1f} {:>10.1f} {:>10.1f}\n", "baseline: ub_resolve (same thread)",
               sync_latency.mean_us, sync_latency.p50_us, sync_latency.p99_us);
    fmt::print("{:<48} {:>10.1f} {:>10.1f} {:>10.1f}\n", "baseline: ub_resolve_async + ub_wait",
               wait_latency.mean_us, wait_latency.p50_us, wait_latency.p99_us);
    fmt::print("{:<48} {:>10.1f} {:>10.1f} {:>10.1f}\n", "Resolver::discover (loop + libunbound thread)",
               discover_latency.mean_us, discover_latency.p50_us, discover_latency.p99_us);
    fmt::print("{:<48} {:>10.2f} {:>10.2f} {:>10.2f}\n", "ratio discover / ub_resolve",
               discover_latency.mean_us / sync_latency.mean_us, discover_latency.p50_us / sync_latency.p50_us,
               discover_latency.p99_us / sync_latency.p99_us);
    fmt::print("{:<48} {:>10.2f} {:>10.2f} {:>10.2f}\n", "ratio discover / ub_resolve_async+ub_wait",
               discover_latency.mean_us / wait_latency.mean_us, discover_latency.p50_us / wait_latency.p50_us,
               discover_latency.p99_us / wait_latency.p99_us);
    return 0;
}

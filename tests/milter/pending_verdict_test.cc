// PendingVerdict: completed from another thread, awaited with a deadline.
#include <catch2/catch.hpp>

#include <thread>

#include "milter/verdict_source.h"

using namespace smtpsec::milter;
using namespace std::chrono_literals;

TEST_CASE("a verdict set from another thread wakes the waiter; the first one wins") {
    auto pending = std::make_shared<PendingVerdict>();
    std::thread setter([pending] {
        std::this_thread::sleep_for(20ms);
        pending->set(DomainVerdict::smtpsec, "found");
        pending->set(DomainVerdict::defer, "late");
    });
    auto result = pending->wait_until(std::chrono::steady_clock::now() + 10s);
    setter.join();
    REQUIRE(result);
    CHECK(result->verdict == DomainVerdict::smtpsec);
    CHECK(result->reason == "found");
}

TEST_CASE("no verdict by the deadline") {
    PendingVerdict pending;
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(pending.wait_until(start + 30ms));
    CHECK(std::chrono::steady_clock::now() - start >= 30ms);
    auto ready = ready_verdict(DomainVerdict::none_secure, "r");
    CHECK(ready->wait_until(start)->verdict == DomainVerdict::none_secure);
    CHECK(name_of(DomainVerdict::none_insecure) == "none_insecure");
}

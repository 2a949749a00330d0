// event::DeferEvent: once, on a later iteration, never after its owner is gone.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>

#include "event/defer_event.h"
#include "event/timer.h"

using namespace smtpsec::event;
using namespace std::chrono_literals;

TEST_CASE("a deferred call runs once on the next iteration, not inside schedule()", "[event-kit]") {
    Loop loop;
    int ran = 0;
    DeferEvent defer(loop, [&] { ++ran; });
    defer.schedule();
    CHECK(ran == 0);
    CHECK(defer.pending());
    loop.run();
    CHECK(ran == 1);
    CHECK_FALSE(defer.pending());
}

TEST_CASE("scheduling while pending is a no-op", "[event-kit]") {
    Loop loop;
    int ran = 0;
    DeferEvent defer(loop, [&] { ++ran; });
    defer.schedule();
    defer.schedule();
    defer.schedule();
    loop.run();
    CHECK(ran == 1);
}

TEST_CASE("a cancelled deferred call does not run", "[event-kit]") {
    Loop loop;
    int ran = 0;
    DeferEvent defer(loop, [&] { ++ran; });
    defer.schedule();
    defer.cancel();
    CHECK_FALSE(defer.pending());
    loop.run();
    CHECK(ran == 0);
}

TEST_CASE("a deferred call does not run after its owner is destroyed", "[event-kit]") {
    Loop loop;
    int ran = 0;
    struct Owner {
        DeferEvent defer;
        Owner(Loop& loop, int& ran) : defer(loop, [&ran] { ++ran; }) {}
    };
    auto owner = std::make_unique<Owner>(loop, ran);
    owner->defer.schedule();
    owner.reset();  // libev must forget the watcher, or this would run freed memory
    loop.run();
    CHECK(ran == 0);
}

TEST_CASE("a deferred call may destroy its owner and schedule another", "[event-kit]") {
    Loop loop;
    struct Owner {
        DeferEvent defer;
        explicit Owner(std::function<void()> f, Loop& loop) : defer(loop, std::move(f)) {}
    };
    std::unique_ptr<Owner> owner;
    int second = 0;
    DeferEvent next(loop, [&] { ++second; });
    owner = std::make_unique<Owner>(
        [&] {
            next.schedule();
            owner.reset();  // destroys the DeferEvent that is running
        },
        loop);
    owner->defer.schedule();
    loop.run();
    CHECK(owner == nullptr);
    CHECK(second == 1);
}

TEST_CASE("a deferred call scheduled from its own callback runs again on a later iteration", "[event-kit]") {
    Loop loop;
    int ran = 0;
    DeferEvent defer(loop, [&] {
        if (++ran < 3) defer.schedule();
    });
    defer.schedule();
    loop.run_once();
    CHECK(ran == 1);  // not a loop inside one iteration: other events get their turn
    loop.run_once();
    CHECK(ran == 2);
    loop.run();
    CHECK(ran == 3);
}

TEST_CASE("an exception in a deferred call reaches Loop::run()", "[event-kit]") {
    Loop loop;
    DeferEvent defer(loop, [] { throw std::runtime_error("deferred fault"); });
    defer.schedule();
    CHECK_THROWS_WITH(loop.run(), "deferred fault");
}

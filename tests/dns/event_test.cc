// src/event: timers, fd readiness, signals, cross-thread wake-ups, and the
// rule that an exception in a callback reaches Loop::run() instead of libev.
// (Lives with the DNS tests, whose resolver is the first user of src/event.)
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "event/async_notifier.h"
#include "event/fault_guard.h"
#include "event/io_watcher.h"
#include "event/loop.h"
#include "event/signal_watcher.h"
#include "event/timer.h"

using namespace smtpsec::event;
using namespace std::chrono_literals;

namespace {

struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { REQUIRE(pipe(fds) == 0); }
    ~Pipe() {
        close(fds[0]);
        close(fds[1]);
    }
};

}  // namespace

TEST_CASE("a one-shot timer fires once and run() returns when nothing is left", "[event]") {
    Loop loop;
    int fired = 0;
    Timer timer(loop, [&] { ++fired; });
    timer.start(1ms);
    CHECK(timer.active());
    loop.run();
    CHECK(fired == 1);
    CHECK_FALSE(timer.active());
}

TEST_CASE("a repeating timer can stop itself", "[event]") {
    Loop loop;
    int fired = 0;
    Timer timer(loop, {});
    timer.set_callback([&] {
        if (++fired == 3) timer.stop();
    });
    timer.start(1ms, 1ms);
    loop.run();
    CHECK(fired == 3);
}

TEST_CASE("an io watcher reports readability of a pipe", "[event]") {
    Loop loop;
    Pipe p;
    int seen = 0;
    IoWatcher io(loop, {});
    io.set_callback([&](int revents) {
        CHECK((revents & EV_READ) != 0);
        char c = 0;
        REQUIRE(read(p.fds[0], &c, 1) == 1);
        CHECK(c == 'x');
        ++seen;
        io.stop();
    });
    io.start(p.fds[0], EV_READ);
    CHECK(io.fd() == p.fds[0]);
    REQUIRE(write(p.fds[1], "x", 1) == 1);
    loop.run();
    CHECK(seen == 1);
}

TEST_CASE("an exception in a callback comes out of run(), and the loop runs on", "[event]") {
    Loop loop;
    Timer thrower(loop, [] { throw std::runtime_error("from a callback"); });
    int later = 0;
    Timer after(loop, [&] { ++later; });
    thrower.start(0s);
    after.start(20ms);
    CHECK_THROWS_WITH(loop.run(), "from a callback");
    CHECK(later == 0);
    loop.run();  // the exception is not rethrown twice
    CHECK(later == 1);
}

TEST_CASE("a moved loop keeps its watchers and exception routing", "[event]") {
    Loop first;
    Timer timer(first, [] { throw std::logic_error("moved"); });
    timer.start(0s);
    Loop second(std::move(first));
    CHECK(first.get() == nullptr);
    CHECK_THROWS_WITH(second.run(), "moved");
}

TEST_CASE("break_loop stops run() early", "[event]") {
    Loop loop;
    int ticks = 0;
    Timer tick(loop, [&] {
        if (++ticks == 2) loop.break_loop();
    });
    tick.start(1ms, 1ms);
    loop.run();
    CHECK(ticks == 2);
    CHECK(tick.active());
}

TEST_CASE("a signal is delivered as a loop callback", "[event]") {
    Loop loop;
    int got = 0;
    SignalWatcher usr1(loop, SIGUSR1, [&] {
        ++got;
        usr1.stop();
    });
    usr1.start();
    Timer raise_it(loop, [] { std::raise(SIGUSR1); });
    raise_it.start(1ms);
    loop.run();
    CHECK(got == 1);
}

TEST_CASE("notify() from another thread runs the callback in the loop's thread", "[event]") {
    Loop loop;
    const auto loop_thread = std::this_thread::get_id();
    bool ran_here = false;
    AsyncNotifier notifier(loop, [&] {
        ran_here = std::this_thread::get_id() == loop_thread;
        loop.break_loop();
    });
    std::thread other([&] { notifier.notify(); });
    loop.run();
    other.join();
    CHECK(ran_here);
}

TEST_CASE("a fault behind a FaultGuard ends its owner alone; the loop and the other timers go on",
          "[event]") {
    Loop loop;
    std::vector<std::string> faults;
    FaultGuard faulty([&](const std::string& what) { faults.push_back(what); });
    FaultGuard healthy([&](const std::string& what) { faults.push_back("healthy: " + what); });
    int faulty_runs = 0, healthy_runs = 0;
    Timer bad(loop, [&] {
        faulty.run([&] {
            ++faulty_runs;
            throw std::runtime_error("boom");
        });
    });
    Timer good(loop, [&] { healthy.run([&] { ++healthy_runs; }); });
    bad.start(1ms, 1ms);
    good.start(1ms, 1ms);
    Timer stop(loop, [&] { loop.break_loop(); });
    stop.start(30ms);
    REQUIRE_NOTHROW(loop.run());  // once, the exception stopped the loop and reached run()
    CHECK(faults == std::vector<std::string>{"boom"});
    CHECK(faulty.faulted());
    CHECK(faulty_runs == 1);  // ended: later calls do nothing
    CHECK_FALSE(healthy.faulted());
    CHECK(healthy_runs > 1);
}

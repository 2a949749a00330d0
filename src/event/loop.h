// An owned libev event loop, and the rule for exceptions in callbacks.
//
// Why: every layer that does I/O (dns, tls, inbound, outbound) runs on one
// libev loop per thread. libev is C, so a C++ exception must never unwind
// through it: watchers defined in src/event catch whatever their callback
// throws, stop the loop, and Loop::run() rethrows it in C++ land.
#pragma once

#include <exception>

struct ev_loop;

namespace smtpsec::event {

class Loop {
public:
    // A new, non-default loop (ev_loop_new). Throws std::runtime_error if
    // libev cannot create one (start-up failure).
    Loop();
    ~Loop();

    Loop(Loop&& other) noexcept;
    Loop& operator=(Loop&& other) noexcept;
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    struct ev_loop* get() const {
        return loop_;
    }

    // Runs until no active watcher is left or break_loop() is called.
    // Rethrows the first exception a watcher callback threw (the loop stops
    // at that point; it can be run again afterwards).
    void run();
    // One iteration: handles what is ready, waiting for at least one event
    // if nothing is. Rethrows like run().
    void run_once();
    // One iteration that never waits.
    void run_nowait();
    // Makes the innermost run() return after the current callback.
    void break_loop();

    // libev's cached time of the current iteration (seconds, monotonic-ish).
    double now() const;
    // Refreshes now(): code that computes deadlines outside a callback (for
    // example before the loop first runs) would otherwise start from a stale
    // time.
    void update_now();

    // Used by the watchers: records an exception thrown by a callback and
    // breaks the loop. Only the first one is kept until run() rethrows it.
    void capture(std::exception_ptr error) noexcept;

    // The Loop that owns a libev loop (for watcher trampolines).
    static Loop& of(struct ev_loop* loop) noexcept;

private:
    void rethrow_pending();

    struct ev_loop* loop_ = nullptr;
    std::exception_ptr pending_;
};

// Runs `body` and routes any exception to the loop (see Loop::capture).
// For trampolines called by libev: nothing escapes.
template <class F>
void guarded(struct ev_loop* loop, F&& body) noexcept {
    try {
        body();
    } catch (...) {
        Loop::of(loop).capture(std::current_exception());
    }
}

}  // namespace smtpsec::event

// The border of one connection (or other per-peer object) on the shared
// loop: every call into it from outside runs through its FaultGuard, and an
// exception thrown inside ends that object alone.
//
// Why at each object's entry points and not in the watchers' trampolines:
// one libev loop serves every connection, the milter hand-off and the queue,
// and a connection is entered not only by its own watchers but also from the
// resolver's, the MTA injector's and the listener's (an origin check
// answered, a delivery done, a drain). Caught at the watcher, an exception
// would unwind through whichever of those called and be blamed on it; the
// loop's own catch-all (event/loop.h) stops the loop, which ends the daemon
// and every other connection. Caught at the border of the object that threw,
// the callers never see it, and the object's handler (log with its id, end
// it) decides what its own fault means (docs/protocol.md: a fault in one
// connection ends that connection only).
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace smtpsec::event {

// Runs `body` and returns what it threw, described, or nothing: the one
// place that turns an exception into text, for FaultGuard and for the
// objects that serve many peers and contain a fault themselves (the MTA
// injector, the Deliverer, tls::Stream).
template <class F>
std::optional<std::string> fault_of(F&& body) noexcept {
    try {
        std::forward<F>(body)();
        return std::nullopt;
    } catch (const std::exception& e) {
        try {
            return std::string(e.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            return std::string("an exception that is not a std::exception");
        } catch (...) {
        }
    }
    return std::string();  // no memory even for the description
}

class FaultGuard {
public:
    // Called with a description of the exception; it should end the object
    // and must not destroy it synchronously.
    using Handler = std::function<void(const std::string& what)>;

    explicit FaultGuard(Handler on_fault) : on_fault_(std::move(on_fault)) {}

    // Runs `body`; nothing it throws leaves this call. After a fault the
    // object is ended: later calls do nothing.
    template <class F>
    void run(F&& body) noexcept {
        if (faulted_) return;
        if (auto fault = fault_of(std::forward<F>(body))) report(*fault);
    }

    // Whether a fault was reported: entry points ignore further calls.
    bool faulted() const { return faulted_; }

private:
    void report(const std::string& what) noexcept {
        if (faulted_) return;  // a fault while handling a fault
        faulted_ = true;
        try {
            on_fault_(what);
        } catch (...) {
            // The handler itself failed (no memory?): nothing more is safe
            // to try here; the object stays ended in its faulted state.
        }
    }

    Handler on_fault_;
    bool faulted_ = false;
};

}  // namespace smtpsec::event

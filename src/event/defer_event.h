// A call run once on a later loop iteration, owned by the object that wants
// it: the event kit's answer to "do this, but not from inside this call".
//
// Why: code that must not call back from inside the call that started
// something (an answer ready at once, a connection that fails in its
// constructor, a finished object to destroy once the stack above it has
// returned) used zero-second timers, each with its own liveness check. A
// DeferEvent is a member of the object that waits, so destroying the object
// cancels the call: the callback never runs on a destroyed object and needs
// no token (the idea of MPD's DeferEvent).
//
// Rules: schedule() while pending is a no-op (one run, however many
// requests); the call runs on the loop's next iteration, never inside
// schedule(); cancel() or destruction before then means it never runs; the
// callback may schedule() again, destroy its owner, or both. Not movable:
// libev holds the watcher's address while it is pending.
#pragma once

#include <ev.h>

#include <functional>

#include "event/loop.h"

namespace smtpsec::event {

class DeferEvent {
public:
    using Callback = std::function<void()>;

    DeferEvent(Loop& loop, Callback callback);
    ~DeferEvent();
    DeferEvent(const DeferEvent&) = delete;
    DeferEvent& operator=(const DeferEvent&) = delete;

    // Runs the callback once on the next loop iteration; nothing if it is
    // already scheduled.
    void schedule();
    // The callback will not run (until scheduled again).
    void cancel();
    bool pending() const { return ev_is_active(&watcher_) != 0; }

private:
    static void trampoline(struct ev_loop* loop, ev_idle* watcher, int revents) noexcept;

    struct ev_loop* loop_;
    Callback callback_;
    // An idle watcher keeps the loop from sleeping while it is active; at
    // the highest priority it runs on every iteration, even one busy with
    // I/O (a lower-priority idle watcher would wait for a quiet moment).
    ev_idle watcher_;
};

}  // namespace smtpsec::event

// Wakes a Loop from another thread (ev_async), running a callback in the
// loop's thread.
//
// Why: libmilter calls back on its own threads; work that touches the loop's
// state must be handed over, and notify() is the one libev call that is safe
// from any thread. Several notify() calls may coalesce into one callback.
// Not movable: libev holds the watcher's address while active.
#pragma once

#include <ev.h>

#include <functional>

#include "event/loop.h"

namespace smtpsec::event {

class AsyncNotifier {
public:
    using Callback = std::function<void()>;

    // Starts watching at once.
    AsyncNotifier(Loop& loop, Callback callback);
    ~AsyncNotifier();
    AsyncNotifier(const AsyncNotifier&) = delete;
    AsyncNotifier& operator=(const AsyncNotifier&) = delete;

    // Thread-safe.
    void notify() { ev_async_send(loop_, &watcher_); }

private:
    static void trampoline(struct ev_loop* loop, ev_async* watcher, int revents) noexcept;

    struct ev_loop* loop_;
    Callback callback_;
    ev_async watcher_;
};

}  // namespace smtpsec::event

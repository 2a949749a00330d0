// A POSIX signal delivered as a Loop callback (ev_signal).
//
// Why: the daemon reacts to SIGTERM/SIGHUP inside its loop, not in a signal
// handler. libev lets one loop at a time watch a given signal.
// Not movable: libev holds the watcher's address while active.
#pragma once

#include <ev.h>

#include <functional>

#include "event/loop.h"

namespace smtpsec::event {

class SignalWatcher {
public:
    using Callback = std::function<void()>;

    SignalWatcher(Loop& loop, int signal_number, Callback callback);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    void start();
    void stop();
    bool active() const { return ev_is_active(&watcher_) != 0; }

private:
    static void trampoline(struct ev_loop* loop, ev_signal* watcher, int revents) noexcept;

    struct ev_loop* loop_;
    Callback callback_;
    ev_signal watcher_;
};

}  // namespace smtpsec::event

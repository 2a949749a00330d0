// A one-shot or repeating timer on a Loop (ev_timer), with a C++ callback.
//
// Why: timeouts (DNS queries, SMTPsec connections, retries) are timers; the
// wrapper stops itself on destruction and keeps exceptions out of libev.
// Not movable: libev holds the watcher's address while active.
#pragma once

#include <ev.h>

#include <chrono>
#include <functional>

#include "event/loop.h"

namespace smtpsec::event {

class Timer {
public:
    using Callback = std::function<void()>;
    using Seconds = std::chrono::duration<double>;

    Timer(Loop& loop, Callback callback);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Fires `after` from the loop's current time, then every `repeat` if
    // non-zero. Restarts the timer if it was active.
    void start(Seconds after, Seconds repeat = Seconds(0));
    void stop();
    bool active() const { return ev_is_active(&watcher_) != 0; }
    void set_callback(Callback callback) { callback_ = std::move(callback); }

private:
    static void trampoline(struct ev_loop* loop, ev_timer* watcher, int revents) noexcept;

    struct ev_loop* loop_;
    Callback callback_;
    ev_timer watcher_;
};

}  // namespace smtpsec::event

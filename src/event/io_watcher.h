// Readiness of one file descriptor on a Loop (ev_io), with a C++ callback.
//
// Why: sockets (SMTPsec connections, the libunbound pipe) are watched this
// way everywhere; the wrapper makes stopping automatic and keeps exceptions
// out of libev. Not movable: libev holds the watcher's address while active.
#pragma once

#include <ev.h>

#include <functional>

#include "event/loop.h"

namespace smtpsec::event {

class IoWatcher {
public:
    // `revents` is EV_READ and/or EV_WRITE (libev's flags).
    using Callback = std::function<void(int revents)>;

    IoWatcher(Loop& loop, Callback callback);
    ~IoWatcher();
    IoWatcher(const IoWatcher&) = delete;
    IoWatcher& operator=(const IoWatcher&) = delete;

    // Watches `fd` for `events` (EV_READ, EV_WRITE or both); restarts the
    // watcher if it was active.
    void start(int fd, int events);
    void stop();
    bool active() const { return ev_is_active(&watcher_) != 0; }
    int fd() const { return watcher_.fd; }
    void set_callback(Callback callback) { callback_ = std::move(callback); }

private:
    static void trampoline(struct ev_loop* loop, ev_io* watcher, int revents) noexcept;

    struct ev_loop* loop_;
    Callback callback_;
    ev_io watcher_;
};

}  // namespace smtpsec::event

// ev_io behind IoWatcher (see io_watcher.h).
#include "event/io_watcher.h"

namespace smtpsec::event {

IoWatcher::IoWatcher(Loop& loop, Callback callback) : loop_(loop.get()), callback_(std::move(callback)) {
    ev_init(&watcher_, &IoWatcher::trampoline);
    watcher_.data = this;
    watcher_.fd = -1;
}

IoWatcher::~IoWatcher() { stop(); }

void IoWatcher::start(int fd, int events) {
    stop();
    ev_io_set(&watcher_, fd, events);
    ev_io_start(loop_, &watcher_);
}

void IoWatcher::stop() { ev_io_stop(loop_, &watcher_); }

void IoWatcher::trampoline(struct ev_loop* loop, ev_io* watcher, int revents) noexcept {
    auto* self = static_cast<IoWatcher*>(watcher->data);
    guarded(loop, [&] {
        if (self->callback_) self->callback_(revents);
    });
}

}  // namespace smtpsec::event

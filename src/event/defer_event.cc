// ev_idle behind DeferEvent (see defer_event.h).
#include "event/defer_event.h"

namespace smtpsec::event {

DeferEvent::DeferEvent(Loop& loop, Callback callback) : loop_(loop.get()), callback_(std::move(callback)) {
    ev_idle_init(&watcher_, &DeferEvent::trampoline);
    ev_set_priority(&watcher_, EV_MAXPRI);
    watcher_.data = this;
}

DeferEvent::~DeferEvent() { cancel(); }

void DeferEvent::schedule() {
    if (!pending()) ev_idle_start(loop_, &watcher_);
}

void DeferEvent::cancel() { ev_idle_stop(loop_, &watcher_); }

void DeferEvent::trampoline(struct ev_loop* loop, ev_idle* watcher, int) noexcept {
    auto* self = static_cast<DeferEvent*>(watcher->data);
    ev_idle_stop(loop, watcher);  // one-shot; the callback may schedule again
    guarded(loop, [&] {
        // The last use of `self`: the callback may destroy its owner.
        if (self->callback_) self->callback_();
    });
}

}  // namespace smtpsec::event

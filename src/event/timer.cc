// ev_timer behind Timer (see timer.h).
#include "event/timer.h"

namespace smtpsec::event {

Timer::Timer(Loop& loop, Callback callback) : loop_(loop.get()), callback_(std::move(callback)) {
    ev_init(&watcher_, &Timer::trampoline);
    watcher_.data = this;
}

Timer::~Timer() { stop(); }

void Timer::start(Seconds after, Seconds repeat) {
    stop();
    ev_timer_set(&watcher_, after.count(), repeat.count());
    ev_timer_start(loop_, &watcher_);
}

void Timer::stop() { ev_timer_stop(loop_, &watcher_); }

void Timer::trampoline(struct ev_loop* loop, ev_timer* watcher, int) noexcept {
    auto* self = static_cast<Timer*>(watcher->data);
    guarded(loop, [&] {
        if (self->callback_) self->callback_();
    });
}

}  // namespace smtpsec::event

// ev_signal behind SignalWatcher (see signal_watcher.h).
#include "event/signal_watcher.h"

namespace smtpsec::event {

SignalWatcher::SignalWatcher(Loop& loop, int signal_number, Callback callback)
    : loop_(loop.get()), callback_(std::move(callback)) {
    ev_init(&watcher_, &SignalWatcher::trampoline);
    ev_signal_set(&watcher_, signal_number);
    watcher_.data = this;
}

SignalWatcher::~SignalWatcher() { stop(); }

void SignalWatcher::start() { ev_signal_start(loop_, &watcher_); }

void SignalWatcher::stop() { ev_signal_stop(loop_, &watcher_); }

void SignalWatcher::trampoline(struct ev_loop* loop, ev_signal* watcher, int) noexcept {
    auto* self = static_cast<SignalWatcher*>(watcher->data);
    guarded(loop, [&] {
        if (self->callback_) self->callback_();
    });
}

}  // namespace smtpsec::event

// ev_async behind AsyncNotifier (see async_notifier.h).
#include "event/async_notifier.h"

namespace smtpsec::event {

AsyncNotifier::AsyncNotifier(Loop& loop, Callback callback)
    : loop_(loop.get()), callback_(std::move(callback)) {
    ev_async_init(&watcher_, &AsyncNotifier::trampoline);
    watcher_.data = this;
    ev_async_start(loop_, &watcher_);
}

AsyncNotifier::~AsyncNotifier() { ev_async_stop(loop_, &watcher_); }

void AsyncNotifier::trampoline(struct ev_loop* loop, ev_async* watcher, int) noexcept {
    auto* self = static_cast<AsyncNotifier*>(watcher->data);
    guarded(loop, [&] {
        if (self->callback_) self->callback_();
    });
}

}  // namespace smtpsec::event

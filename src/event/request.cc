// The two-pointer link between a Request and its Cancellable (see request.h).
#include "event/request.h"

namespace smtpsec::event {

Request::Request(Request&& other) noexcept : target_(std::exchange(other.target_, nullptr)) {
    if (target_ != nullptr) target_->handle_ = this;
}

Request& Request::operator=(Request&& other) noexcept {
    if (this != &other) {
        cancel();
        target_ = std::exchange(other.target_, nullptr);
        if (target_ != nullptr) target_->handle_ = this;
    }
    return *this;
}

void Request::cancel() noexcept {
    Cancellable* target = std::exchange(target_, nullptr);
    if (target == nullptr) return;
    target->handle_ = nullptr;
    target->on_cancel();  // last: it may destroy the Cancellable
}

Request Cancellable::link() noexcept {
    unlink();
    Request request;
    request.target_ = this;
    handle_ = &request;
    return request;  // moved or elided: either way handle_ follows it
}

void Cancellable::unlink() noexcept {
    if (handle_ != nullptr) handle_->target_ = nullptr;
    handle_ = nullptr;
}

}  // namespace smtpsec::event

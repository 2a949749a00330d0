// Ownership of the libev loop and the exception hand-over (see loop.h).
#include "event/loop.h"

#include <ev.h>

#include <stdexcept>
#include <utility>

namespace smtpsec::event {

Loop::Loop() : loop_(ev_loop_new(EVFLAG_AUTO)) {
    if (loop_ == nullptr) throw std::runtime_error("libev: cannot create an event loop");
    ev_set_userdata(loop_, this);
}

Loop::~Loop() {
    if (loop_ != nullptr) ev_loop_destroy(loop_);
}

Loop::Loop(Loop&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr)), pending_(std::move(other.pending_)) {
    if (loop_ != nullptr) ev_set_userdata(loop_, this);
}

Loop& Loop::operator=(Loop&& other) noexcept {
    if (this != &other) {
        if (loop_ != nullptr) ev_loop_destroy(loop_);
        loop_ = std::exchange(other.loop_, nullptr);
        pending_ = std::move(other.pending_);
        if (loop_ != nullptr) ev_set_userdata(loop_, this);
    }
    return *this;
}

void Loop::rethrow_pending() {
    if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
}

void Loop::run() {
    ev_run(loop_, 0);
    rethrow_pending();
}

void Loop::run_once() {
    ev_run(loop_, EVRUN_ONCE);
    rethrow_pending();
}

void Loop::run_nowait() {
    ev_run(loop_, EVRUN_NOWAIT);
    rethrow_pending();
}

void Loop::break_loop() { ev_break(loop_, EVBREAK_ALL); }

double Loop::now() const { return ev_now(loop_); }

void Loop::update_now() { ev_now_update(loop_); }

void Loop::capture(std::exception_ptr error) noexcept {
    if (!pending_) pending_ = std::move(error);
    ev_break(loop_, EVBREAK_ALL);
}

Loop& Loop::of(struct ev_loop* loop) noexcept { return *static_cast<Loop*>(ev_userdata(loop)); }

}  // namespace smtpsec::event

// See stream.h. One pump() runs every step that can make progress; each step
// returns false when the Stream was closed (and maybe destroyed) under it.
#include "tls/stream.h"

#include <ev.h>

#include <algorithm>

#include "event/fault_guard.h"

namespace smtpsec::tls {
namespace {
// GnuTLS sends one record per call; after EAGAIN the same buffer must be
// offered again, so writes go out in slices of this size.
constexpr std::size_t kWriteSlice = 16 * 1024;
constexpr std::size_t kKeptBuffer = 256 * 1024;
}  // namespace

Stream::Stream(event::Loop& loop, Connection connection, Framer& framer, Handler& handler)
    : loop_(loop), conn_(std::move(connection)), framer_(framer), handler_(handler), io_(loop, [this](int) {
          // The Stream belongs to one connection: a fault in it (no
          // memory for a frame, say) closes that connection, never the
          // loop (event/fault_guard.h). The handler's own entry points
          // catch what its code throws.
          event::DestructObserver destroyed(anchor_);
          auto fault = event::fault_of([&] { pump(); });
          if (!fault || destroyed) return;
          pumping_ = false;
          close(false, "internal fault: " + *fault);
      }) {}

Stream::~Stream() = default;

void Stream::start() { io_.start(conn_.fd(), EV_READ | EV_WRITE); }

void Stream::write(std::vector<std::uint8_t>& bytes) {
    if (bytes.empty() || state_ == State::closed) return;
    out_bytes_ += bytes.size();
    out_.push_back(std::move(bytes));
    // A moved-from vector is valid and empty-or-unspecified: the swap and
    // clear below give the caller a known, empty buffer with capacity, into
    // which the writer encodes its next bytes.
    // NOLINTNEXTLINE(bugprone-use-after-move)
    bytes.swap(spare_);
    bytes.clear();
    if (!pumping_) rearm();
}

void Stream::shutdown() {
    if (state_ == State::closed || state_ == State::closing) return;
    state_ = State::closing;
    if (!pumping_) rearm();
}

void Stream::pause_input(bool paused) {
    paused_ = paused;
    if (!paused && !pumping_) {
        // Records GnuTLS already decrypted never make the fd readable again.
        if (conn_.has_buffered_data()) {
            pump();
            return;
        }
        rearm();
    }
}

void Stream::rearm() {
    if (state_ == State::closed) return;
    int events = 0;
    auto flag = [](IOState s) { return s == IOState::NeedWrite ? EV_WRITE : EV_READ; };
    if (state_ == State::handshake) {
        events = flag(handshake_want_);
    } else {
        if (pending_output() > 0)
            events |= flag(write_want_);
        else if (state_ == State::closing)
            events |= flag(bye_want_);
        if (state_ == State::open && !paused_) events |= EV_READ;
    }
    if (events == 0)
        io_.stop();
    else
        io_.start(conn_.fd(), events);
}

void Stream::pump() {
    event::DestructObserver destroyed(anchor_);
    pumping_ = true;
    bool ok = true;
    if (state_ == State::handshake) ok = do_handshake();
    if (ok && !destroyed && (state_ == State::open || state_ == State::closing)) ok = do_write();
    if (ok && !destroyed && state_ == State::open && !paused_) ok = do_read();
    if (ok && !destroyed && state_ == State::closing && pending_output() == 0) ok = do_bye();
    if (destroyed) return;
    pumping_ = false;
    if (ok) rearm();
}

bool Stream::do_handshake() {
    auto r = conn_.handshake();
    if (!r) {
        close(false, r.error());
        return false;
    }
    if (*r != IOState::Done) {
        handshake_want_ = *r;
        return true;
    }
    state_ = State::open;
    event::DestructObserver destroyed(anchor_);
    handler_.on_handshake_done();
    return !destroyed && state_ != State::closed;
}

bool Stream::do_write() {
    while (!out_.empty()) {
        auto& front = out_.front();
        std::size_t n = std::min(kWriteSlice, front.size() - out_sent_);
        auto r = conn_.write({front.data() + out_sent_, n});
        if (!r) {
            // The peer may have answered and closed while we were still
            // writing (a server ending the session, D2/D6): what it sent
            // before is still readable and must reach the handler first.
            event::DestructObserver destroyed(anchor_);
            if (state_ == State::open && !paused_) do_read();
            if (destroyed) return false;
            close(false, r.error());
            return false;
        }
        if (r->state != IOState::Done) {
            write_want_ = r->state;
            return true;
        }
        out_sent_ += r->bytes;
        if (out_sent_ < front.size()) continue;
        out_bytes_ -= front.size();
        out_sent_ = 0;
        // Keep one buffer of a size worth reusing (answers, small Emails);
        // a large one goes back to the allocator at once.
        if (front.capacity() <= kKeptBuffer && front.capacity() > spare_.capacity()) spare_.swap(front);
        out_.pop_front();
    }
    write_want_ = IOState::NeedWrite;
    event::DestructObserver destroyed(anchor_);
    handler_.on_output_drained();
    return !destroyed && state_ != State::closed;
}

bool Stream::do_read() {
    event::DestructObserver destroyed(anchor_);
    // A bounded number of reads per wake-up keeps one fast peer from
    // starving the others on the loop.
    for (int i = 0; i < 64 && state_ == State::open && !paused_; ++i) {
        auto area = framer_.write_area();
        auto r = conn_.read(area);
        if (!r) {
            close(false, r.error());
            return false;
        }
        if (r->state != IOState::Done) return true;
        if (r->bytes == 0) {
            close(framer_.idle(), framer_.idle() ? "peer closed" : "peer closed in the middle of a Message");
            return false;
        }
        bytes_read_ += r->bytes;
        framer_.commit(r->bytes);
        handler_.on_input();
        if (destroyed || state_ == State::closed) return false;
    }
    if (state_ == State::open && !paused_ && conn_.has_buffered_data()) {
        // Come back on the next loop iteration rather than wait for the fd.
        ev_feed_fd_event(loop_.get(), conn_.fd(), EV_READ);
    }
    return true;
}

bool Stream::do_bye() {
    auto r = conn_.bye();
    if (r && *r != IOState::Done) {
        bye_want_ = *r;
        return true;
    }
    close(r.has_value(), r ? "closed" : r.error());
    return false;
}

void Stream::close(bool clean, const std::string& reason) {
    if (state_ == State::closed) return;
    state_ = State::closed;
    io_.stop();
    handler_.on_closed(clean, reason);
}

}  // namespace smtpsec::tls

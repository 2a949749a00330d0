// Drives one tls::Connection on a libev loop for an SMTPsec peer: the
// handshake, then reads straight into a Framer and writes queued bytes,
// then close_notify. Shared by the inbound and outbound connections so the
// non-blocking I/O rules live in one place.
//
// The owner implements Handler. Any Handler callback may destroy the Stream;
// the Stream notices (a DestructObserver on anchor_, event/destruct_anchor.h)
// and touches nothing afterwards.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "event/destruct_anchor.h"
#include "event/io_watcher.h"
#include "event/loop.h"
#include "smtpsec/framer.h"
#include "tls/connection.h"

namespace smtpsec::tls {

class Stream {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void on_handshake_done() = 0;
        // The framer has events to take.
        virtual void on_input() = 0;
        // The connection is over: `clean` when the peer closed in order (or
        // our close_notify was sent after shutdown()); else `reason` says why.
        virtual void on_closed(bool clean, const std::string& reason) = 0;
        // Everything queued has been written.
        virtual void on_output_drained() {}
    };

    Stream(event::Loop& loop, Connection connection, Framer& framer, Handler& handler);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    void start();
    // Queues bytes (moved from `bytes`, which is left empty, possibly with
    // the capacity of a buffer already sent).
    void write(std::vector<std::uint8_t>& bytes);
    // Stops reading; once the output is written, sends close_notify and reports on_closed(true).
    void shutdown();
    // Stops reading input until resumed (back-pressure while an Email is processed).
    void pause_input(bool paused);

    std::size_t pending_output() const { return out_bytes_ - out_sent_; }
    // Bytes of TLS payload read so far (for progress deadlines).
    std::uint64_t bytes_read() const { return bytes_read_; }
    bool handshake_done() const { return state_ != State::handshake; }
    const Connection& connection() const { return conn_; }

private:
    enum class State { handshake, open, closing, closed };

    void pump();
    bool do_handshake();
    bool do_write();
    bool do_read();
    bool do_bye();
    void close(bool clean, const std::string& reason);
    void rearm();

    event::Loop& loop_;
    Connection conn_;
    Framer& framer_;
    Handler& handler_;
    event::IoWatcher io_;
    State state_ = State::handshake;
    // Buffers queued whole, never joined: pipelined 10 MiB Emails written
    // while one was still going out were appended to one vector, copied
    // again at each growth and held twice at its peak.
    std::deque<std::vector<std::uint8_t>> out_;
    std::size_t out_bytes_ = 0;        // in out_
    std::size_t out_sent_ = 0;         // of out_.front()
    std::vector<std::uint8_t> spare_;  // a small sent buffer, handed back to the next writer
    // What each blocked operation waits for. They are kept apart: a write
    // blocked on EAGAIN needs writability even while reads need readability.
    IOState handshake_want_ = IOState::NeedRead;
    IOState write_want_ = IOState::NeedWrite;
    IOState bye_want_ = IOState::NeedWrite;
    bool paused_ = false;
    std::uint64_t bytes_read_ = 0;
    bool pumping_ = false;
    event::DestructAnchor anchor_;
};

}  // namespace smtpsec::tls

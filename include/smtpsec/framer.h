// Incremental framing of a byte stream into whole Messages.
//
// Feed it bytes as they come off a socket, take whole frames out. The 8-byte
// size is checked against a limit before anything is buffered: an oversized
// Message is reported with its type and skipped without buffering its body.
// For large Messages the caller may read straight into the frame buffer
// (write_area/commit), so a 10 MiB Email is copied once, by the socket read.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec {

class Framer {
public:
    // A whole Message, size field included, ready for decode().
    struct Frame {
        Bytes bytes;
    };
    // A Message larger than the limit. `type` is its raw type byte. Its bytes
    // are skipped as they arrive; the stream stays in step.
    struct Oversized {
        std::uint64_t size;
        std::uint8_t type;
        std::uint64_t limit = 0;  // the limit it went over
    };
    // The stream cannot be framed any more (a size below 11): answer
    // illegal_message and close.
    struct Broken {
        std::string reason;
    };
    using Event = std::variant<Frame, Oversized, Broken>;

    explicit Framer(std::uint64_t max_message_size);

    // Copies `data` in and frames what it can.
    void feed(std::span<const std::uint8_t> data);

    // Zero-copy input: a writable area to read into (at least 1 byte), then
    // commit(n) with the number of bytes written there.
    std::span<std::uint8_t> write_area();
    void commit(std::size_t n);

    // The next complete event, if any.
    std::optional<Event> next();

    bool broken() const { return broken_; }
    // True when no partial Message is pending (a clean place to close).
    bool idle() const;
    std::uint64_t max_message_size() const { return max_size_; }
    void set_max_message_size(std::uint64_t max) { max_size_ = max; }
    // A lower limit for the Messages of one raw type byte, and one for every
    // type not given its own (the listener: a ClientHello is at most what its
    // chains may hold, the types a server never receives and unknown ones a
    // few KiB). Checked on the header, like the overall limit, so that no
    // buffer is allocated for a size nobody accepts (issue 13 item 6).
    void limit_type(std::uint8_t type, std::uint64_t max);
    void limit_other_types(std::uint64_t max) { other_max_ = max; }
    // The limit that applies to a Message of this type byte.
    std::uint64_t limit_of(std::uint8_t type) const;
    // Bytes held for the Message being read (its buffer), for memory budgets.
    std::uint64_t buffered() const { return frame_ ? frame_size_ : 0; }

private:
    void consume(std::span<const std::uint8_t> data);
    void start_frame();

    std::uint64_t max_size_;
    std::vector<std::pair<std::uint8_t, std::uint64_t>> type_max_;
    std::uint64_t other_max_ = ~std::uint64_t{0};
    std::deque<Event> ready_;

    // Header bytes (size + type) of the Message being read.
    std::uint8_t header_[9] = {};
    std::size_t header_have_ = 0;

    // Body of the Message being read, when it is buffered.
    std::shared_ptr<std::uint8_t[]> frame_;
    std::uint64_t frame_size_ = 0;
    std::uint64_t frame_have_ = 0;

    // Bytes of an oversized Message still to skip.
    std::uint64_t skip_ = 0;

    // Staging area for small reads holding several Messages.
    std::vector<std::uint8_t> staging_;
    bool direct_ = false;  // write_area() returned the frame buffer
    bool broken_ = false;
};

}  // namespace smtpsec

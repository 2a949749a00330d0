// A bounds-checked big-endian reader over one frame. Every read says whether
// the bytes were there; views it hands out share the frame's buffer.
#pragma once

#include <cstdint>

#include "smtpsec/bytes.h"

namespace smtpsec::wire {

class Reader {
public:
    explicit Reader(const Bytes& frame) : frame_(frame) {}

    std::size_t remaining() const { return frame_.size() - pos_; }
    std::size_t position() const { return pos_; }

    // Reads an unsigned big-endian integer of `width` bytes (1..8).
    bool uint(std::size_t width, std::uint64_t& out);
    bool u8(std::uint8_t& out);
    // A view of the next `n` bytes.
    bool view(std::uint64_t n, Bytes& out);
    bool skip(std::uint64_t n);

private:
    const Bytes& frame_;
    std::size_t pos_ = 0;
};

}  // namespace smtpsec::wire

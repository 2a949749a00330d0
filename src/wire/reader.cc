// Bounds-checked reads for the decoder (see reader.h).
#include "wire/reader.h"

namespace smtpsec::wire {

bool Reader::uint(std::size_t width, std::uint64_t& out) {
    if (width > remaining()) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | frame_[pos_ + i];
    pos_ += width;
    out = v;
    return true;
}

bool Reader::u8(std::uint8_t& out) {
    if (remaining() < 1) return false;
    out = frame_[pos_++];
    return true;
}

bool Reader::view(std::uint64_t n, Bytes& out) {
    if (n > remaining()) return false;
    out = frame_.slice(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return true;
}

bool Reader::skip(std::uint64_t n) {
    if (n > remaining()) return false;
    pos_ += static_cast<std::size_t>(n);
    return true;
}

}  // namespace smtpsec::wire

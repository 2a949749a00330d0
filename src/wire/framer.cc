// The incremental framer (see framer.h). Small Messages arrive many to a
// read and go through a staging buffer; the body of a large Message is read
// straight into its own frame buffer, which the decoder then views in place.
#include "smtpsec/framer.h"

#include <fmt/core.h>
#include <algorithm>
#include <cstring>

#include "smtpsec/codec.h"

namespace smtpsec {
namespace {
// One TLS record's worth: a read never returns more than this.
constexpr std::size_t kStagingSize = 16 * 1024;
constexpr std::size_t kHeaderSize = 9;  // size + type

std::uint64_t load_be64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}
}  // namespace

Framer::Framer(std::uint64_t max_message_size) : max_size_(max_message_size) {}

void Framer::limit_type(std::uint8_t type, std::uint64_t max) {
    for (auto& [t, m] : type_max_)
        if (t == type) {
            m = max;
            return;
        }
    type_max_.emplace_back(type, max);
}

std::uint64_t Framer::limit_of(std::uint8_t type) const {
    std::uint64_t limit = other_max_;
    for (const auto& [t, m] : type_max_)
        if (t == type) limit = m;
    return std::min(limit, max_size_);
}

bool Framer::idle() const { return header_have_ == 0 && !frame_ && skip_ == 0; }

void Framer::feed(std::span<const std::uint8_t> data) { consume(data); }

std::span<std::uint8_t> Framer::write_area() {
    if (frame_ && frame_size_ - frame_have_ >= kStagingSize) {
        direct_ = true;
        return {frame_.get() + frame_have_, static_cast<std::size_t>(frame_size_ - frame_have_)};
    }
    direct_ = false;
    if (staging_.size() != kStagingSize) staging_.resize(kStagingSize);
    return staging_;
}

void Framer::commit(std::size_t n) {
    if (direct_) {
        direct_ = false;
        frame_have_ += n;
        if (frame_have_ == frame_size_) {
            ready_.push_back(Frame{Bytes(frame_, frame_.get(), frame_size_)});
            frame_.reset();
            header_have_ = 0;
        }
        return;
    }
    consume({staging_.data(), n});
}

void Framer::start_frame() {
    std::uint64_t size = load_be64(header_);
    std::uint8_t type = header_[8];
    if (size > limit_of(type)) {
        ready_.push_back(Oversized{size, type, limit_of(type)});
        skip_ = size - kHeaderSize;
        header_have_ = 0;
        return;
    }
    frame_size_ = size;
    frame_ = std::make_shared_for_overwrite<std::uint8_t[]>(size);
    std::memcpy(frame_.get(), header_, kHeaderSize);
    frame_have_ = kHeaderSize;
}

void Framer::consume(std::span<const std::uint8_t> data) {
    while (!data.empty() && !broken_) {
        if (skip_ > 0) {
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, data.size()));
            skip_ -= n;
            data = data.subspan(n);
            continue;
        }
        if (!frame_) {
            auto n = std::min(kHeaderSize - header_have_, data.size());
            std::memcpy(header_ + header_have_, data.data(), n);
            header_have_ += n;
            data = data.subspan(n);
            if (header_have_ >= 8 && load_be64(header_) < kMinFrameableSize) {
                broken_ = true;
                ready_.push_back(Broken{fmt::format("Message size {} is below the minimum of {}",
                                                    load_be64(header_), kMinFrameableSize)});
                return;
            }
            if (header_have_ < kHeaderSize) continue;
            start_frame();
            continue;
        }
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(frame_size_ - frame_have_, data.size()));
        std::memcpy(frame_.get() + frame_have_, data.data(), n);
        frame_have_ += n;
        data = data.subspan(n);
        if (frame_have_ == frame_size_) {
            ready_.push_back(Frame{Bytes(frame_, frame_.get(), frame_size_)});
            frame_.reset();
            header_have_ = 0;
        }
    }
}

std::optional<Framer::Event> Framer::next() {
    if (ready_.empty()) return std::nullopt;
    Event e = std::move(ready_.front());
    ready_.pop_front();
    return e;
}

}  // namespace smtpsec

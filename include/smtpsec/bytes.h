// An immutable byte range that can share ownership of the buffer it points into.
//
// Why it exists: an Email body can be tens of MiB. The framer reads it into one
// buffer and the decoder hands out views into that buffer instead of copying, so
// a decoded Email costs no memcpy of its body. Small fields use std::string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsec {

class Bytes {
public:
    Bytes() = default;

    // Takes ownership of a vector without copying it.
    explicit Bytes(std::vector<std::uint8_t> owned);

    // A view into a buffer kept alive by `owner`.
    Bytes(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size)
        : owner_(std::move(owner)), data_(data), size_(size) {}

    // Takes ownership of a string without copying it (a message read from disk).
    static Bytes take(std::string&& text);
    static Bytes copy_of(std::span<const std::uint8_t> data);
    static Bytes copy_of(std::string_view text);

    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::span<const std::uint8_t> span() const { return {data_, size_}; }
    std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
    std::uint8_t operator[](std::size_t i) const { return data_[i]; }

    // A sub-range sharing this buffer's owner.
    Bytes slice(std::size_t offset, std::size_t length) const {
        return Bytes(owner_, data_ + offset, length);
    }

    friend bool operator==(const Bytes& a, const Bytes& b);

private:
    std::shared_ptr<const void> owner_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Lowercase hex, for logs, JSON and tests.
std::string to_hex(std::span<const std::uint8_t> data);

}  // namespace smtpsec

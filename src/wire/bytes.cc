// Bytes: ownership-sharing views, so decoded Emails point into the receive buffer.
#include "smtpsec/bytes.h"

#include <algorithm>
#include <cstring>

namespace smtpsec {

Bytes::Bytes(std::vector<std::uint8_t> owned) {
    auto holder = std::make_shared<const std::vector<std::uint8_t>>(std::move(owned));
    data_ = holder->data();
    size_ = holder->size();
    owner_ = std::move(holder);
}

Bytes Bytes::take(std::string&& text) {
    auto holder = std::make_shared<const std::string>(std::move(text));
    return Bytes(holder, reinterpret_cast<const std::uint8_t*>(holder->data()), holder->size());
}

Bytes Bytes::copy_of(std::span<const std::uint8_t> data) {
    return Bytes(std::vector<std::uint8_t>(data.begin(), data.end()));
}

Bytes Bytes::copy_of(std::string_view text) {
    return Bytes(std::vector<std::uint8_t>(text.begin(), text.end()));
}

bool operator==(const Bytes& a, const Bytes& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
}

std::string to_hex(std::span<const std::uint8_t> data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (std::uint8_t b : data) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

}  // namespace smtpsec

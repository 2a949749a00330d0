// Builds raw Message bytes by hand for tests, independently of the encoder,
// so malformed inputs can be written field by field.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "smtpsec/bytes.h"

namespace smtpsec::test {

class Raw {
public:
    Raw& u(std::uint64_t v, int width) {
        for (int i = width; i-- > 0;) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    Raw& str(std::string_view s) {
        b_.insert(b_.end(), s.begin(), s.end());
        return *this;
    }
    Raw& fill(std::size_t n, std::uint8_t v = 0xab) {
        b_.insert(b_.end(), n, v);
        return *this;
    }
    Raw& opaque(std::string_view s, int width) { return u(s.size(), width).str(s); }
    // Prefixes the 8-byte size; `adjust` makes it lie.
    std::vector<std::uint8_t> message(std::int64_t adjust = 0) const {
        Raw out;
        out.u(static_cast<std::uint64_t>(static_cast<std::int64_t>(b_.size() + 8) + adjust), 8);
        out.b_.insert(out.b_.end(), b_.begin(), b_.end());
        return out.b_;
    }
    Bytes frame(std::int64_t adjust = 0) const { return Bytes(message(adjust)); }

private:
    std::vector<std::uint8_t> b_;
};

// The fields of a well-formed Email up to (not including) the signature,
// for an ed25519 signature.
inline Raw email_prefix(std::uint16_t algorithm = 0x0807) {
    Raw r;
    r.u(3, 1).u(0, 2);          // type email, no extensions
    r.u(0, 3).u(algorithm, 2);  // chain 0, algorithm
    r.u(0, 2);                  // no parameters
    return r;
}

// A complete well-formed ed25519 Email: signature, headers, recipients, body.
inline Raw good_email_rest(Raw r) {
    r.fill(64);
    r.u(1, 3).opaque("Received", 2).opaque("from x by y", 3);
    r.u(1, 3).opaque("bob@b.test", 2);
    r.opaque("From: a@a.test\r\n\r\nhi\r\n", 8);
    return r;
}

}  // namespace smtpsec::test

// Feeding encoded Messages through a real Framer into a session, and reading
// back what a session wrote, for the session tests.
#pragma once

#include <catch2/catch.hpp>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

namespace smtpsec::test {

template <class Session>
void deliver_bytes(Session& s, std::span<const std::uint8_t> bytes, std::uint64_t limit = 1 << 20) {
    Framer f(limit);
    f.feed(bytes);
    while (auto e = f.next()) s.on_event(std::move(*e));
}

template <class Session>
void deliver(Session& s, const Message& m) {
    auto bytes = encode(m);
    deliver_bytes(s, bytes);
}

// Decodes everything in `out` and clears it.
inline std::vector<Message> read_all(std::vector<std::uint8_t>& out) {
    Framer f(1 << 20);
    f.feed(out);
    out.clear();
    std::vector<Message> msgs;
    while (auto e = f.next()) {
        auto d = decode(std::get<Framer::Frame>(*e).bytes);
        REQUIRE(d.has_value());
        msgs.push_back(std::move(*d));
    }
    return msgs;
}

inline Email simple_email(std::uint32_t chain = 0) {
    Email e;
    e.certificate_chain = chain;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes(std::vector<std::uint8_t>(64, 1));
    e.recipients = {"bob@b.test"};
    e.message = Bytes::copy_of(std::string_view("From: a@a.test\r\n\r\nhi\r\n"));
    return e;
}

inline ClientHello hello_with_one_chain() {
    return ClientHello{0, {{Bytes::copy_of(std::string_view("leaf-der"))}}};
}

inline const Error& as_error(const Message& m) { return std::get<Error>(m.body); }

}  // namespace smtpsec::test

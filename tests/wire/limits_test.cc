// The decoder's and the framer's allocation bounds (issue 13 items 4 and 6,
// decisions D6): a count costs a few bytes on the wire and tens in memory, so
// every count is bounded before anything is reserved for it, and a Message
// nobody would accept is refused on its header before it is buffered.
#include <catch2/catch.hpp>

#include "builder.h"
#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

using namespace smtpsec;
using smtpsec::test::email_prefix;
using smtpsec::test::Raw;

namespace {

// A ClientHello with `chains` chains of `certs` certificates of `size` bytes.
Raw hello(std::uint64_t chains, std::uint64_t certs, std::size_t size) {
    Raw r;
    r.u(2, 1).u(0, 2).u(0, 1).u(chains, 3);
    for (std::uint64_t c = 0; c < chains; ++c) {
        r.u(certs, 2);
        for (std::uint64_t i = 0; i < certs; ++i) r.u(size, 3).fill(size);
    }
    return r;
}

Raw email_counts(std::uint64_t headers, std::uint64_t recipients) {
    Raw r = email_prefix();
    r.fill(64);
    r.u(headers, 3);
    for (std::uint64_t i = 0; i < headers; ++i) r.opaque("Received", 2).opaque("x", 3);
    r.u(recipients, 3);
    for (std::uint64_t i = 0; i < recipients; ++i) r.opaque("bob@b.test", 2);
    r.opaque("From: a@a.test\r\n\r\nhi\r\n", 8);
    return r;
}

void require_too_large(const Raw& r, MessageType type) {
    auto d = decode(r.frame());
    REQUIRE_FALSE(d);
    CHECK(d.error().code == ErrorCode::too_large);
    CHECK(d.error().type == type);
    CHECK_FALSE(d.error().reason.empty());
}

}  // namespace

TEST_CASE("a ClientHello of 2^24-1 empty chains is refused too_large before anything is allocated for them") {
    // 32 MiB on the wire; decoded as it used to be, 400 MB of empty vectors.
    const std::uint64_t chains = (1u << 24) - 1;
    std::vector<std::uint8_t> bytes;
    bytes.reserve(8 + 7 + 2 * chains);
    Raw head;
    head.u(2, 1).u(0, 2).u(0, 1).u(chains, 3);
    bytes = head.message(static_cast<std::int64_t>(2 * chains));
    bytes.resize(bytes.size() + 2 * chains, 0);
    auto d = decode(Bytes(std::move(bytes)));
    REQUIRE_FALSE(d);
    CHECK(d.error().code == ErrorCode::too_large);
    CHECK(d.error().type == MessageType::client_hello);
}

TEST_CASE("ClientHello chains are bounded by count, certificates per chain and bytes") {
    const DecodeLimits l;
    CHECK(decode(hello(l.max_chains, 1, 100).frame()));
    require_too_large(hello(l.max_chains + 1, 1, 100), MessageType::client_hello);
    CHECK(decode(hello(1, l.max_chain_certificates, 100).frame()));
    require_too_large(hello(1, l.max_chain_certificates + 1, 100), MessageType::client_hello);
    CHECK(decode(hello(1, 1, l.max_certificate_size).frame()));
    require_too_large(hello(1, 1, l.max_certificate_size + 1), MessageType::client_hello);
    // 5 x 64 KiB passes each per-certificate bound but not the total.
    require_too_large(hello(5, 1, l.max_certificate_size), MessageType::client_hello);
    // A real chain: a leaf and two intermediates of about 2 KiB.
    CHECK(decode(hello(1, 3, 2048).frame()));
}

TEST_CASE("Email recipients and trace headers are bounded before they are reserved") {
    const DecodeLimits l;
    CHECK(decode(email_counts(3, l.max_recipients).frame()));
    require_too_large(email_counts(3, l.max_recipients + 1), MessageType::email);
    CHECK(decode(email_counts(l.max_trace_headers, 1).frame()));
    require_too_large(email_counts(l.max_trace_headers + 1, 1), MessageType::email);
}

TEST_CASE("unbounded limits still decode what the format allows") {
    auto d = decode(hello(17, 11, 10).frame(), DecodeLimits::unbounded());
    REQUIRE(d);
    CHECK(std::get<ClientHello>(d->body).certificate_chains.size() == 17);
}

TEST_CASE("the framer refuses a Message over its type's limit on the header, without buffering it") {
    Framer f(64u << 20);
    f.limit_type(static_cast<std::uint8_t>(MessageType::email), 64u << 20);
    f.limit_type(static_cast<std::uint8_t>(MessageType::client_hello), 300 * 1024);
    f.limit_other_types(64 * 1024);
    CHECK(f.limit_of(3) == 64u << 20);
    CHECK(f.limit_of(2) == 300 * 1024);
    CHECK(f.limit_of(0) == 64 * 1024);
    CHECK(f.limit_of(200) == 64 * 1024);

    // The header of a 32 MiB ClientHello.
    Raw head;
    head.u(2, 1);
    auto bytes = head.message((32 << 20) - 1);
    f.feed(bytes);
    auto e = f.next();
    REQUIRE(e);
    auto* over = std::get_if<Framer::Oversized>(&*e);
    REQUIRE(over);
    CHECK(over->type == 2);
    CHECK(over->limit == 300 * 1024);
    CHECK(f.buffered() == 0);

    // An Email of 1 MiB is buffered as before.
    Framer g(64u << 20);
    g.limit_other_types(64 * 1024);
    g.limit_type(3, 64u << 20);
    Raw email;
    email.u(3, 1);
    auto eh = email.message((1 << 20) - 1);
    g.feed(eh);
    CHECK_FALSE(g.next());
    CHECK(g.buffered() == (1u << 20) + 8);  // the size the header gives
}

// The framer: whole Messages out of arbitrary chunking, the size limit applied
// before buffering, oversized Messages skipped in step, and zero-copy reads.
#include <catch2/catch.hpp>

#include <cstring>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

using namespace smtpsec;

namespace {

std::vector<std::uint8_t> email_bytes(std::size_t body_size) {
    Email e;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes(std::vector<std::uint8_t>(64, 1));
    e.recipients = {"bob@b.test"};
    e.message = Bytes(std::vector<std::uint8_t>(body_size, 'x'));
    return encode(Message{{}, e});
}

std::vector<Framer::Event> drain(Framer& f) {
    std::vector<Framer::Event> out;
    while (auto e = f.next()) out.push_back(std::move(*e));
    return out;
}

}  // namespace

TEST_CASE("messages survive every chunking, one byte at a time included") {
    std::vector<std::uint8_t> stream;
    auto hello = encode(Message{{}, ServerHello{0}});
    auto mail = email_bytes(300);
    auto done = encode(Message{{}, EmailDelivered{1}});
    for (auto* part : {&hello, &mail, &done}) stream.insert(stream.end(), part->begin(), part->end());

    for (std::size_t chunk :
         {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, stream.size()}) {
        INFO("chunk " << chunk);
        Framer f(1 << 20);
        std::vector<Framer::Event> events;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            f.feed({stream.data() + at, std::min(chunk, stream.size() - at)});
            for (auto& e : drain(f)) events.push_back(std::move(e));
        }
        REQUIRE(events.size() == 3);
        CHECK(std::get<Framer::Frame>(events[0]).bytes == Bytes(hello));
        CHECK(std::get<Framer::Frame>(events[1]).bytes == Bytes(mail));
        CHECK(std::get<Framer::Frame>(events[2]).bytes == Bytes(done));
        CHECK(f.idle());
    }
}

TEST_CASE("an oversized Message is reported with its type and skipped unbuffered") {
    auto big = email_bytes(5000);
    auto after = encode(Message{{}, EmailDelivered{9}});
    Framer f(1000);
    f.feed({big.data(), 9});
    auto first = drain(f);
    REQUIRE(first.size() == 1);
    auto& over = std::get<Framer::Oversized>(first[0]);
    CHECK(over.size == big.size());
    CHECK(over.type == static_cast<std::uint8_t>(MessageType::email));
    CHECK_FALSE(f.idle());
    f.feed({big.data() + 9, big.size() - 9});
    CHECK(drain(f).empty());
    f.feed(after);
    auto rest = drain(f);
    REQUIRE(rest.size() == 1);
    CHECK(std::get<Framer::Frame>(rest[0]).bytes == Bytes(after));
}

TEST_CASE("a size below 11 breaks the stream") {
    std::uint8_t bad[] = {0, 0, 0, 0, 0, 0, 0, 10, 1, 0, 0};
    Framer f(1000);
    f.feed(bad);
    auto events = drain(f);
    REQUIRE(events.size() == 1);
    CHECK(std::holds_alternative<Framer::Broken>(events[0]));
    CHECK(f.broken());
    f.feed(bad);
    CHECK(drain(f).empty());
}

TEST_CASE("a size of 2^64-1 is refused before anything is allocated") {
    std::uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3};
    Framer f(64ull << 20);
    f.feed(huge);
    auto events = drain(f);
    REQUIRE(events.size() == 1);
    CHECK(std::get<Framer::Oversized>(events[0]).size == ~0ull);
}

TEST_CASE("large bodies are read straight into the frame buffer") {
    auto mail = email_bytes(1 << 20);
    Framer f(64ull << 20);
    std::size_t at = 0;
    int direct_reads = 0;
    while (at < mail.size()) {
        auto area = f.write_area();
        REQUIRE_FALSE(area.empty());
        std::size_t n = std::min(area.size(), mail.size() - at);
        if (area.size() > 16 * 1024) ++direct_reads;
        std::memcpy(area.data(), mail.data() + at, n);
        f.commit(n);
        at += n;
    }
    auto events = drain(f);
    REQUIRE(events.size() == 1);
    auto& frame = std::get<Framer::Frame>(events[0]).bytes;
    CHECK(frame == Bytes(mail));
    CHECK(direct_reads >= 1);
    auto decoded = decode(frame);
    REQUIRE(decoded.has_value());
    CHECK(std::get<Email>(decoded->body).message.size() == 1u << 20);
}

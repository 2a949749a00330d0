// Every Message type encodes and decodes back to itself, including fields at
// the largest widths the format allows, and the encoding is byte-exact with
// a hand-built reference.
#include <catch2/catch.hpp>

#include "builder.h"
#include "smtpsec/codec.h"

using namespace smtpsec;
using smtpsec::test::Raw;

namespace {

Message roundtrip(const Message& m) {
    auto bytes = encode(m);
    REQUIRE(bytes.size() == encoded_size(m));
    auto decoded = decode(Bytes(bytes));
    INFO((decoded ? std::string() : decoded.error().reason));
    REQUIRE(decoded.has_value());
    return *decoded;
}

Email sample_email(SignatureAlgorithm alg) {
    Email e;
    e.certificate_chain = 2;
    e.signature_method.algorithm = alg;
    e.signature = Bytes(std::vector<std::uint8_t>(signature_length(alg), 0x5a));
    e.trace_headers = {{"Received", "from a.test by b.test;\r\n\tMon, 1 Jan 2024 00:00:00 +0000"},
                       {"X-Empty", ""}};
    e.recipients = {"bob@b.test", "jürgen@bücher.test", "\"odd local\"@b.test"};
    e.message = Bytes::copy_of(std::string_view("From: alice@a.test\r\nTo: bob@b.test\r\n\r\nHi\r\n"));
    return e;
}

}  // namespace

TEST_CASE("ServerHello round trip and exact bytes") {
    Message m{{}, ServerHello{0}};
    auto bytes = encode(m);
    CHECK(bytes == Raw().u(1, 1).u(0, 2).u(0, 1).message());
    CHECK(bytes.size() == kMinMessageSize);
    CHECK(roundtrip(m) == m);
    Message future{{}, ServerHello{255}};
    CHECK(roundtrip(future) == future);
}

TEST_CASE("ClientHello round trip with several chains") {
    ClientHello h;
    h.certificate_chains = {
        {Bytes::copy_of(std::string_view("leaf")), Bytes::copy_of(std::string_view("ca"))},
        {},
        {Bytes::copy_of(std::string_view("other"))}};
    Message m{{}, h};
    CHECK(roundtrip(m) == m);
    auto expected = Raw()
                        .u(2, 1)
                        .u(0, 2)
                        .u(0, 1)
                        .u(3, 3)
                        .u(2, 2)
                        .opaque("leaf", 3)
                        .opaque("ca", 3)
                        .u(0, 2)
                        .u(1, 2)
                        .opaque("other", 3)
                        .message();
    CHECK(encode(m) == expected);
}

TEST_CASE("Email round trip for every signature algorithm") {
    for (auto alg :
         {SignatureAlgorithm::ed25519, SignatureAlgorithm::ed448, SignatureAlgorithm::ecdsa_secp256r1_sha256,
          SignatureAlgorithm::ecdsa_secp384r1_sha384, SignatureAlgorithm::ecdsa_secp521r1_sha512}) {
        INFO(name_of(alg));
        Message m{{{0, Bytes::copy_of(std::string_view("\x01"))}}, sample_email(alg)};
        CHECK(roundtrip(m) == m);
        CHECK(require_security(roundtrip(m)) == std::uint8_t{1});
    }
}

TEST_CASE("Email exact bytes against a hand-built reference") {
    Email e;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes(std::vector<std::uint8_t>(64, 0xab));
    e.trace_headers = {{"Received", "from x by y"}};
    e.recipients = {"bob@b.test"};
    e.message = Bytes::copy_of(std::string_view("From: a@a.test\r\n\r\nhi\r\n"));
    auto reference = test::good_email_rest(test::email_prefix()).message();
    CHECK(encode(Message{{}, e}) == reference);
}

TEST_CASE("EmailDelivered and Error round trips, largest message numbers") {
    Message d{{}, EmailDelivered{0xffffff}};
    CHECK(roundtrip(d) == d);
    CHECK(encode(d) == Raw().u(4, 1).u(0, 2).u(0xffffff, 3).message());

    Message plain{{}, Error{ErrorCode::service_unavailable, std::nullopt, {}}};
    CHECK(roundtrip(plain) == plain);
    CHECK(encode(plain) == Raw().u(0, 1).u(0, 2).u(1, 1).u(0, 1).message());

    Message ref{{}, Error{ErrorCode::authentication_failed, 0xffffff, {}}};
    CHECK(roundtrip(ref) == ref);

    Message unknown{{}, Error{ErrorCode::unknown_address, 7, {"a@b.test", "c@d.test"}}};
    CHECK(roundtrip(unknown) == unknown);
    CHECK(encode(unknown) == Raw()
                                 .u(0, 1)
                                 .u(0, 2)
                                 .u(7, 1)
                                 .u(1, 1)
                                 .u(7, 3)
                                 .u(2, 2)
                                 .opaque("a@b.test", 2)
                                 .opaque("c@d.test", 2)
                                 .message());
}

TEST_CASE("largest field widths: uint24 chain index, 64 KiB-1 names, 16 MiB-1 values") {
    Email e = sample_email(SignatureAlgorithm::ed25519);
    e.certificate_chain = 0xffffff;
    e.trace_headers = {{std::string(0xffff, 'X'), std::string(0xffffff, 'v')}};
    std::string local(0xffff - 7, 'l');
    e.recipients = {local + "@b.test"};
    e.signature_method.algorithm = SignatureAlgorithm::ecdsa_secp521r1_sha512;
    e.signature = Bytes(std::vector<std::uint8_t>(132, 1));
    Message m{{{9, Bytes(std::vector<std::uint8_t>(70000, 3))}}, e};
    auto back = roundtrip(m);
    CHECK(back == m);
    CHECK(std::get<Email>(back.body).recipients[0].size() == 0xffff);
}

TEST_CASE("a field wider than its count is refused by the encoder") {
    Email e = sample_email(SignatureAlgorithm::ed25519);
    e.certificate_chain = 0x1000000;
    CHECK_THROWS_AS(encode(Message{{}, e}), std::length_error);
    Email bad_sig = sample_email(SignatureAlgorithm::ed25519);
    bad_sig.signature = Bytes(std::vector<std::uint8_t>(63, 0));
    CHECK_THROWS_AS(encode(Message{{}, bad_sig}), std::length_error);
}

TEST_CASE("unknown extensions survive a round trip") {
    Message m{{{42, Bytes::copy_of(std::string_view("future"))}}, ServerHello{0}};
    CHECK(roundtrip(m) == m);
}

TEST_CASE("a decoded Email body is a view into the frame, not a copy") {
    Message m{{}, sample_email(SignatureAlgorithm::ed25519)};
    Bytes frame(encode(m));
    auto decoded = decode(frame);
    REQUIRE(decoded.has_value());
    const auto& body = std::get<Email>(decoded->body).message;
    CHECK(body.data() >= frame.data());
    CHECK(body.data() + body.size() <= frame.data() + frame.size());
}

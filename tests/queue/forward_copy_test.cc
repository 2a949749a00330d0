// Forwarded entries in the queue (issue 16, docs/forwarding.md): the
// envelope keeps how a presigned entry was signed; where such mail cannot
// go over SMTPsec it becomes the 6.4.5 form (trace headers on top, no
// SMTPsec-Used).
#include <catch2/catch.hpp>

#include "queue/envelope.h"
#include "queue/forward_copy.h"

using namespace smtpsec;
using namespace smtpsec::queue;

TEST_CASE("a presigned envelope survives JSON exactly") {
    Envelope e;
    e.id = "Q1";
    e.sender = "alice@a.test";
    e.from_domain = "a.test";
    Recipient carol;
    carol.as_given = "<carol@c.test>";
    carol.address = "carol@c.test";
    carol.domain = "c.test";
    e.recipients.push_back(carol);
    e.forward = ForwardKind::presigned;
    e.forward_signature.algorithm = 0x0807;
    e.forward_signature.signature_hex = std::string(128, 'a');
    e.forward_signature.chain_hex = {"0102", "0304"};
    e.forward_signature.trace_headers = {{"Received", "from x\r\n\tby y"}, {"X-Trace", ""}};
    auto back = envelope_from_json(to_json(e));
    REQUIRE(back);
    CHECK(back->forward == ForwardKind::presigned);
    CHECK(back->forward_signature.algorithm == 0x0807);
    CHECK(back->forward_signature.signature_hex == e.forward_signature.signature_hex);
    CHECK(back->forward_signature.chain_hex == e.forward_signature.chain_hex);
    CHECK(back->forward_signature.trace_headers == e.forward_signature.trace_headers);
    auto decoded = decode_forward_signature(back->forward_signature);
    REQUIRE(decoded);
    CHECK(decoded->algorithm == SignatureAlgorithm::ed25519);
    CHECK(decoded->signature.size() == 64);
    REQUIRE(decoded->chain.size() == 2);
    CHECK(decoded->chain[1] == Bytes(std::vector<std::uint8_t>{3, 4}));

    e.forward = ForwardKind::unsigned_copy;
    CHECK(envelope_from_json(to_json(e))->forward == ForwardKind::unsigned_copy);
    e.forward = ForwardKind::none;
    auto plain = to_json(e);
    CHECK(plain.find("forward") == std::string::npos);  // older gateways read it as before
}

TEST_CASE("a bad stored signature is an error, not a crash") {
    ForwardSignature s;
    s.algorithm = 0x0807;
    s.signature_hex = "zz";
    s.chain_hex = {"01"};
    CHECK_FALSE(decode_forward_signature(s));
    s.signature_hex = std::string(126, 'a');  // 63 bytes
    CHECK_FALSE(decode_forward_signature(s));
    s.signature_hex = std::string(128, 'a');
    s.chain_hex = {};
    CHECK_FALSE(decode_forward_signature(s));
    s.algorithm = 0x9999;
    CHECK_FALSE(decode_forward_signature(s));
}

TEST_CASE("6.4.5: trace headers on top, SMTPsec-Used removed, unsafe or unlisted trace headers dropped") {
    const std::string original = "SMTPsec-Used:\r\nFrom: alice@a.test\r\n\r\nbody\r\n";
    auto copy = unsigned_forward_copy(original, {{"Received", "from b by c"},
                                                 {"Authentication-Results", "x; smtpsec=pass"},
                                                 {"Received", "from a by b\r\nBcc: evil@x.test"},
                                                 {"X-Hop", ""}});
    REQUIRE(copy);
    CHECK(*copy == "Received: from b by c\r\nX-Hop:\r\nFrom: alice@a.test\r\n\r\nbody\r\n");
}

// DATA transparency: dot-stuffing, line-ending normalisation (no SMTP
// smuggling), streaming across arbitrary piece boundaries, and the 8-bit scan.
#include <catch2/catch.hpp>

#include <random>

#include "imf/content_traits.h"
#include "imf/dot_stuff.h"

using namespace smtpsec;
using namespace smtpsec::imf;

TEST_CASE("dot-stuffing and the terminating dot") {
    CHECK(dot_stuff("a\r\n") == "a\r\n.\r\n");
    CHECK(dot_stuff(".a\r\n") == "..a\r\n.\r\n");
    CHECK(dot_stuff("a\r\n.\r\nb\r\n") == "a\r\n..\r\nb\r\n.\r\n");
    CHECK(dot_stuff("a\r\n..x\r\n") == "a\r\n...x\r\n.\r\n");
    CHECK(dot_stuff("a.b\r\n") == "a.b\r\n.\r\n");
    CHECK(dot_stuff("") == ".\r\n");
    CHECK(dot_stuff("\r\n") == "\r\n.\r\n");
}

TEST_CASE("a message not ending in CRLF gets one") {
    CHECK(dot_stuff("a") == "a\r\n.\r\n");
    CHECK(dot_stuff("a\r\n.") == "a\r\n..\r\n.\r\n");
    CHECK(dot_stuff("a\r") == "a\r\n.\r\n");
}

TEST_CASE("bare LF and bare CR become CRLF, so no line can end the data early") {
    CHECK(dot_stuff("a\nb") == "a\r\nb\r\n.\r\n");
    CHECK(dot_stuff("a\rb") == "a\r\nb\r\n.\r\n");
    // SMTP smuggling attempts: each would end DATA for some MTA.
    CHECK(dot_stuff("x\n.\r\nMAIL FROM:<evil>\r\n") == "x\r\n..\r\nMAIL FROM:<evil>\r\n.\r\n");
    CHECK(dot_stuff("x\r\n.\nRCPT TO:<evil>\r\n") == "x\r\n..\r\nRCPT TO:<evil>\r\n.\r\n");
    CHECK(dot_stuff("x\r.\rDATA\r\n") == "x\r\n..\r\nDATA\r\n.\r\n");
    CHECK(dot_stuff("x\n\n.\n") == "x\r\n\r\n..\r\n.\r\n");
}

TEST_CASE("streaming gives the same bytes for every split of the input") {
    std::mt19937 rng(42);
    const char alphabet[] = {'.', '\r', '\n', 'a'};
    for (int round = 0; round < 300; ++round) {
        std::string in;
        std::size_t len = rng() % 40;
        for (std::size_t i = 0; i < len; ++i) in.push_back(alphabet[rng() % 4]);
        const std::string whole = dot_stuff(in);
        for (std::size_t cut1 = 0; cut1 <= in.size(); ++cut1) {
            std::size_t cut2 = cut1 + (in.size() > cut1 ? rng() % (in.size() - cut1 + 1) : 0);
            DotStuffer s;
            std::string out;
            s.feed(std::string_view(in).substr(0, cut1), out);
            s.feed(std::string_view(in).substr(cut1, cut2 - cut1), out);
            s.feed(std::string_view(in).substr(cut2), out);
            s.finish(out);
            INFO("input " << round << " cuts " << cut1 << "," << cut2);
            REQUIRE(out == whole);
        }
        // The output never holds a bare CR or LF, and only the last line is ".".
        for (std::size_t i = 0; i < whole.size(); ++i) {
            if (whole[i] == '\r') REQUIRE((i + 1 < whole.size() && whole[i + 1] == '\n'));
            if (whole[i] == '\n') REQUIRE((i > 0 && whole[i - 1] == '\r'));
        }
        REQUIRE(whole.find("\r\n.\r\n") == (whole.size() >= 5 ? whole.size() - 5 : std::string::npos));
    }
}

TEST_CASE("8-bit bytes in the header section and in the body are told apart") {
    auto scan = [](std::initializer_list<std::string> parts) {
        std::vector<Bytes> pieces;
        for (const auto& p : parts) pieces.push_back(Bytes::copy_of(p));
        return scan_content(pieces);
    };
    auto plain = scan({"From: a@x\r\n\r\nbody\r\n"});
    CHECK_FALSE(plain.eight_bit_header);
    CHECK_FALSE(plain.eight_bit_body);

    auto head = scan({"Subject: gr\xc3\xbc\xc3\x9f\r\n\r\nbody"});
    CHECK(head.eight_bit_header);
    CHECK_FALSE(head.eight_bit_body);

    auto body = scan({"Subject: x\r\n", "\r", "\n", "gr\xc3\xbc\xc3\x9f"});
    CHECK_FALSE(body.eight_bit_header);
    CHECK(body.eight_bit_body);

    auto no_headers = scan({"\r\n\xc3\xa4"});
    CHECK_FALSE(no_headers.eight_bit_header);
    CHECK(no_headers.eight_bit_body);

    auto cr_cr = scan({"A: b\r\r\n\r\n\xc3\xa4"});
    CHECK_FALSE(cr_cr.eight_bit_header);
    CHECK(cr_cr.eight_bit_body);
}

TEST_CASE("streaming long inputs in random pieces gives the same bytes as the whole") {
    // Lines of every length around the scanners' block sizes, with dots,
    // bare CRs and LFs among well-formed CRLF lines.
    std::mt19937 rng(7);
    std::string in;
    for (int line = 0; line < 2000; ++line) {
        if (rng() % 7 == 0) in.push_back('.');
        in.append(rng() % 150, static_cast<char>('a' + line % 26));
        switch (rng() % 10) {
        case 0: in.push_back('\n'); break;
        case 1: in.push_back('\r'); break;
        default: in.append("\r\n");
        }
    }
    // The reference: one byte at a time, the smallest pieces there are.
    DotStuffer bytewise;
    std::string expected;
    for (char c : in) bytewise.feed(std::string_view(&c, 1), expected);
    bytewise.finish(expected);
    REQUIRE(dot_stuff(in) == expected);
    for (int round = 0; round < 20; ++round) {
        DotStuffer s;
        std::string out;
        for (std::size_t at = 0; at < in.size();) {
            std::size_t n = std::min<std::size_t>(in.size() - at, rng() % 5000);
            s.feed(std::string_view(in).substr(at, n), out);
            at += n;
        }
        s.finish(out);
        REQUIRE(out == expected);
    }
}

TEST_CASE("an 8-bit byte is found wherever it stands in a long body") {
    const std::string head = "Subject: x\r\n\r\n";
    for (std::size_t at : {0u, 1u, 7u, 8u, 63u, 64u, 65u, 127u, 128u, 4095u, 10000u}) {
        std::string body(10001, 'a');
        std::vector<Bytes> clean{Bytes::copy_of(head), Bytes::copy_of(body)};
        CHECK_FALSE(scan_content(clean).eight_bit_body);
        body[at] = '\xe4';
        std::vector<Bytes> pieces{Bytes::copy_of(head + body.substr(0, at / 2)),
                                  Bytes::copy_of(body.substr(at / 2))};
        INFO("8-bit byte at " << at);
        CHECK(scan_content(pieces).eight_bit_body);
        CHECK_FALSE(scan_content(pieces).eight_bit_header);
    }
}

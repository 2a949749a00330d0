// The injector's pure parts: reply parsing across arbitrary chunks, EHLO
// keywords, command text and the address check.
#include <catch2/catch.hpp>

#include "mta/commands.h"
#include "mta/reply.h"

using namespace smtpsec::mta;

TEST_CASE("replies: single and multi-line, in any chunking") {
    const std::string stream =
        "220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n354\r\n";
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, stream.size()}) {
        INFO("chunk " << chunk);
        ReplyParser p;
        std::deque<SmtpReply> out;
        for (std::size_t i = 0; i < stream.size(); i += chunk)
            REQUIRE(p.feed(std::string_view(stream).substr(i, chunk), out));
        REQUIRE(out.size() == 3);
        CHECK(out[0].code == 220);
        CHECK(out[0].lines == std::vector<std::string>{"mx.test ESMTP"});
        CHECK(out[1].code == 250);
        CHECK(out[1].lines == std::vector<std::string>{"mx.test", "PIPELINING", "SIZE 1000"});
        CHECK(out[1].text() == "250 mx.test / PIPELINING / SIZE 1000");
        CHECK(out[2].code == 354);
        CHECK(out[2].lines == std::vector<std::string>{""});
        CHECK(out[2].kind() == 3);
    }
}

TEST_CASE("malformed replies are errors") {
    for (const char* bad :
         {"hello\r\n", "25\r\n", "250x\r\n", "650 no\r\n", "250-a\r\n251 b\r\n", "1xx\r\n"}) {
        INFO(bad);
        ReplyParser p;
        std::deque<SmtpReply> out;
        CHECK_FALSE(p.feed(bad, out));
        CHECK_FALSE(p.error().empty());
        CHECK_FALSE(p.feed("250 ok\r\n", out));  // unusable afterwards
    }
    ReplyParser p;
    std::deque<SmtpReply> out;
    CHECK_FALSE(p.feed(std::string(ReplyParser::max_line + 10, '2'), out));
    ReplyParser many;
    std::string lines;
    for (std::size_t i = 0; i <= ReplyParser::max_lines; ++i) lines += "250-x\r\n";
    CHECK_FALSE(many.feed(lines, out));
}

// Found by tests/fuzz/smtp_reply_fuzzer: a line of exactly max_line bytes
// was accepted when its CRLF arrived in one chunk and refused when the chunk
// ended between CR and LF, so the same reply stream's fate hung on TCP chunking.
TEST_CASE("a longest reply line is accepted however the chunks fall around its CRLF") {
    const std::string line = "250 " + std::string(ReplyParser::max_line - 4, 'x');
    const std::string stream = line + "\r\n";
    for (std::size_t cut : {stream.size() - 2, stream.size() - 1, stream.size()}) {
        INFO("first chunk " << cut << " bytes");
        ReplyParser p;
        std::deque<SmtpReply> out;
        REQUIRE(p.feed(std::string_view(stream).substr(0, cut), out));
        REQUIRE(p.feed(std::string_view(stream).substr(cut), out));
        REQUIRE(out.size() == 1);
        CHECK(out[0].lines[0].size() == ReplyParser::max_line - 4);
    }
    // One byte more is too long, wherever the chunk ends.
    for (std::size_t cut : {stream.size() - 1, stream.size(), stream.size() + 1}) {
        INFO("first chunk " << cut << " bytes of the longer line");
        ReplyParser p;
        std::deque<SmtpReply> out;
        const std::string longer = line + "y\r\n";
        CHECK_FALSE((p.feed(std::string_view(longer).substr(0, cut), out) &&
                     p.feed(std::string_view(longer).substr(cut), out)));
    }
}

TEST_CASE("EHLO keywords") {
    SmtpReply r{
        250,
        {"mx.test greets you", "pipelining", "SIZE 10240000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"}};
    auto c = parse_ehlo(r);
    CHECK(c.pipelining);
    CHECK(c.size);
    CHECK(c.size_limit == 10240000);
    CHECK(c.eight_bit_mime);
    CHECK(c.smtputf8);
    // The greeting line is not a keyword.
    auto none = parse_ehlo(SmtpReply{250, {"PIPELINING"}});
    CHECK_FALSE(none.pipelining);
    auto size_only = parse_ehlo(SmtpReply{250, {"mx", "SIZE"}});
    CHECK(size_only.size);
    CHECK(size_only.size_limit == 0);
}

TEST_CASE("command text") {
    CHECK(ehlo_command("gw.b.test") == "EHLO gw.b.test\r\n");
    CHECK(mail_command("a@a.test", {}) == "MAIL FROM:<a@a.test>\r\n");
    CHECK(mail_command("", {}) == "MAIL FROM:<>\r\n");
    CHECK(mail_command("a@a.test", {1234, true, true}) ==
          "MAIL FROM:<a@a.test> SIZE=1234 BODY=8BITMIME SMTPUTF8\r\n");
    CHECK(rcpt_command("b@b.test") == "RCPT TO:<b@b.test>\r\n");
}

TEST_CASE("addresses that could break a command line are refused") {
    CHECK(is_usable_path("b@b.test", false));
    CHECK(is_usable_path("\"b b\"@b.test", false));
    CHECK(is_usable_path("\"b\\\"b\"@b.test", false));
    CHECK(is_usable_path("bj\xc3\xb8rn@b.test", false));
    CHECK(is_usable_path("", true));
    CHECK_FALSE(is_usable_path("", false));
    CHECK_FALSE(is_usable_path("b@b.test>\r\nRCPT TO:<evil@x", false));
    CHECK_FALSE(is_usable_path("b@b.test\r\n", false));
    CHECK_FALSE(is_usable_path("b b@b.test", false));
    CHECK_FALSE(is_usable_path("b@b.test> SIZE=1", false));
    CHECK_FALSE(is_usable_path("<b@b.test", false));
    CHECK_FALSE(is_usable_path("\"open@b.test", false));
    CHECK_FALSE(is_usable_path(std::string("b\0@b.test", 9), false));
}

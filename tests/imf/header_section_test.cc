// parse_message: field boundaries and offsets, folding, the body as a view,
// and the strictness rules of header_section.h.
#include <catch2/catch.hpp>

#include <string>

#include "imf/header_section.h"

using namespace smtpsec::imf;

TEST_CASE("fields, exact offsets and the body as a view into the input") {
    const std::string m = "From: a@x\r\nSubject: hi\r\n there\r\n\r\nbody\r\n";
    auto p = parse_message(m);
    REQUIRE(p);
    REQUIRE(p->fields.size() == 2);
    CHECK(p->fields[0].name == "From");
    CHECK(p->fields[0].value == " a@x");
    CHECK(p->fields[0].offset == 0);
    CHECK(p->fields[0].length == 11);
    CHECK(p->fields[1].name == "Subject");
    CHECK(p->fields[1].value == " hi\r\n there");
    CHECK(p->fields[1].offset == 11);
    CHECK(m.substr(p->fields[1].offset, p->fields[1].length) == "Subject: hi\r\n there\r\n");
    CHECK(p->has_separator);
    CHECK(p->header_end == 32);
    CHECK(p->body_offset == 34);
    CHECK(p->body == "body\r\n");
    CHECK(p->body.data() == m.data() + 34);  // no copy
}

TEST_CASE("tab folding, empty values and names compare case-insensitively") {
    auto p = parse_message("X-A:\r\nx-b:\tv\r\n\tw\r\n\r\n");
    REQUIRE(p);
    REQUIRE(p->fields.size() == 2);
    CHECK(p->fields[0].value.empty());
    CHECK(p->fields[1].value == "\tv\r\n\tw");
    CHECK(equals_ignore_case(p->fields[1].name, "X-B"));
    CHECK_FALSE(equals_ignore_case("X-B", "X-Bc"));
    CHECK(starts_with_ignore_case("x-foo", "X-"));
    CHECK(p->body.empty());
    CHECK(p->has_separator);
}

TEST_CASE("a message without body or without the empty line") {
    SECTION("header section ends at the end of input") {
        auto p = parse_message("From: a@x\r\nTo: b@y\r\n");
        REQUIRE(p);
        CHECK(p->fields.size() == 2);
        CHECK_FALSE(p->has_separator);
        CHECK(p->body.empty());
        CHECK(p->header_end == 20);
        CHECK(p->body_offset == 20);
    }
    SECTION("last field without its CRLF is tolerated and flagged") {
        auto p = parse_message("From: a@x\r\nSubject: s");
        REQUIRE(p);
        REQUIRE(p->fields.size() == 2);
        CHECK(p->fields[1].value == " s");
        CHECK_FALSE(p->fields[1].terminated);
        CHECK(p->fields[0].terminated);
    }
    SECTION("empty input and a body without header fields") {
        auto e = parse_message("");
        REQUIRE(e);
        CHECK(e->fields.empty());
        auto b = parse_message("\r\nonly body");
        REQUIRE(b);
        CHECK(b->fields.empty());
        CHECK(b->has_separator);
        CHECK(b->body == "only body");
    }
}

TEST_CASE("the body is opaque: bare LF, NUL and header-like lines in it are not looked at") {
    static const char raw[] = "From: a@x\r\n\r\nline\nFrom: evil@y\r\n\0x\r\n";
    auto p = parse_message(std::string_view(raw, sizeof raw - 1));
    REQUIRE(p);
    CHECK(p->body.size() == sizeof raw - 1 - 13);
    CHECK(p->fields.size() == 1);
}

TEST_CASE("obsolete white space before the colon is recognised and flagged") {
    auto p = parse_message("From : a@x\r\n\r\n");
    REQUIRE(p);
    CHECK(p->fields[0].name == "From");
    CHECK(p->fields[0].space_before_colon);
}

TEST_CASE("malformed header sections are refused with a reason and an offset") {
    struct Case {
        std::string message;
        std::string reason_part;
        std::size_t offset;
    };
    const Case cases[] = {
        {"From: a@x\nTo: b@y\n\nbody", "bare LF", 9},
        {"From: a@x\r\nTo: b@y\n\r\n", "bare LF", 18},
        {"\nFrom: a@x\r\n", "bare CR or LF", 0},
        {"From: a@x\rTo: b@y\r\n", "bare CR", 9},
        {"From: a@x\r\nno colon here\r\n\r\n", "without a colon", 11},
        {" folded: first\r\n", "continuation line before", 0},
        {": empty name\r\n", "empty name", 0},
        {"From: a@x\r\nSubject: s\r\n \r\nBcc: evil@y\r\n\r\n", "white-space-only continuation", 23},
        {"From: a@x\r\nSubject: s\r\n \t", "white-space-only continuation", 23},
        {std::string("Subject: a\0b\r\n\r\n", 16), "NUL", 10},
        {"Fr\xc3\xb6m: a@x\r\n\r\n", "without a colon", 0},
    };
    for (const auto& c : cases) {
        INFO(c.message);
        auto p = parse_message(c.message);
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().reason, Catch::Contains(c.reason_part));
        CHECK(p.error().offset == c.offset);
    }
}

TEST_CASE("value_without_leading_space removes exactly one space") {
    HeaderField f;
    f.value = "  two";
    CHECK(value_without_leading_space(f) == " two");
    f.value = "\tx";
    CHECK(value_without_leading_space(f) == "\tx");
    f.value = "";
    CHECK(value_without_leading_space(f).empty());
}

TEST_CASE("same_address: local parts exactly, domains without case (point 12)", "[imf]") {
    CHECK(smtpsec::imf::same_address("Bob@B.Test", "Bob@b.test"));
    CHECK_FALSE(smtpsec::imf::same_address("Bob@b.test", "bob@b.test"));
    CHECK(smtpsec::imf::same_address("a@b@c.test", "a@b@C.TEST"));
    CHECK_FALSE(smtpsec::imf::same_address("bob@b.test", "bob@b.test.x"));
    CHECK(smtpsec::imf::same_address("postmaster", "postmaster"));
    CHECK_FALSE(smtpsec::imf::same_address("postmaster", "postmaster@b.test"));
}

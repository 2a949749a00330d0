// SMTPsec-Used (docs/decisions.md point 23): removal of every such field,
// addition as the first field unless present, and prepare_for_signing's order
// of operations.
#include <catch2/catch.hpp>

#include "imf/header_section.h"
#include "imf/smtpsec_used.h"

using namespace smtpsec;
using namespace smtpsec::imf;

TEST_CASE("every SMTPsec-Used field is removed, whatever its case or value") {
    const std::string m =
        "SMTPsec-Used:\r\n"
        "From: a@a.test\r\n"
        "smtpsec-used: yes\r\n"
        " folded\r\n"
        "SMTPSEC-USED :\r\n"
        "X-SMTPsec-Used: kept\r\n"
        "\r\n"
        "SMTPsec-Used: in the body stays\r\n";
    auto r = remove_smtpsec_used(m);
    REQUIRE(r);
    CHECK(r->removed == 3);
    CHECK(r->message ==
          "From: a@a.test\r\n"
          "X-SMTPsec-Used: kept\r\n"
          "\r\n"
          "SMTPsec-Used: in the body stays\r\n");
}

TEST_CASE("removing from a message without the field changes nothing") {
    const std::string m = "From: a@a.test\r\n\r\nbody";
    auto r = remove_smtpsec_used(m);
    REQUIRE(r);
    CHECK(r->removed == 0);
    CHECK(r->message == m);
}

TEST_CASE("SMTPsec-Used is added exactly, as the first field, unless present") {
    auto added = add_smtpsec_used("From: a@a.test\r\n\r\nbody");
    REQUIRE(added);
    CHECK(*added == "SMTPsec-Used:\r\nFrom: a@a.test\r\n\r\nbody");

    const std::string present = "From: a@a.test\r\nsmtpsec-used:\r\n\r\nbody";
    auto same = add_smtpsec_used(present);
    REQUIRE(same);
    CHECK(*same == present);

    auto bodyless = add_smtpsec_used("\r\nonly body");
    REQUIRE(bodyless);
    CHECK(*bodyless == "SMTPsec-Used:\r\n\r\nonly body");

    CHECK_FALSE(add_smtpsec_used("From: a\nb"));
}

TEST_CASE("prepare_for_signing: trace block out first, then SMTPsec-Used on top") {
    const std::string m =
        "Received: from submit by mx.a.test; Tue, 1 Jul 2003 10:52:37 +0000\r\n"
        "From: alice@a.test\r\n"
        "To: bob@b.test\r\n"
        "\r\n"
        "hi\r\n";
    auto p = prepare_for_signing(m);
    REQUIRE(p);
    REQUIRE(p->trace_headers.size() == 1);
    CHECK(p->trace_headers[0].name == "Received");
    CHECK(p->message ==
          "SMTPsec-Used:\r\n"
          "From: alice@a.test\r\n"
          "To: bob@b.test\r\n"
          "\r\n"
          "hi\r\n");
    auto parsed = parse_message(p->message);
    REQUIRE(parsed);
    CHECK(parsed->fields[0].name == "SMTPsec-Used");
    CHECK(parsed->fields[0].value.empty());
}

// Which addresses an SMTP path can carry as written (imf/smtp_path.h): RFC
// 5321 Mailbox with RFC 6531 UTF-8.
#include <catch2/catch.hpp>

#include "imf/smtp_path.h"

using smtpsec::imf::is_smtp_mailbox;

TEST_CASE("dot-string local parts and domains are SMTP mailboxes", "[imf][smtp_path]") {
    CHECK(is_smtp_mailbox("bob@b.test"));
    CHECK(is_smtp_mailbox("bob.x+tag@b.test"));
    CHECK(
        is_smtp_mailbox("j\xc3\xb6rg@b\xc3\xbc"
                        "cher.example"));
    CHECK(is_smtp_mailbox("bob@[192.0.2.1]"));
    CHECK_FALSE(is_smtp_mailbox(".bob@b.test"));
    CHECK_FALSE(is_smtp_mailbox("bob.@b.test"));
    CHECK_FALSE(is_smtp_mailbox("bo..b@b.test"));
    CHECK_FALSE(is_smtp_mailbox("@b.test"));
    CHECK_FALSE(is_smtp_mailbox("bob@"));
    CHECK_FALSE(is_smtp_mailbox("bob@b..test"));
    CHECK_FALSE(is_smtp_mailbox("bob@b.test."));
    CHECK_FALSE(is_smtp_mailbox("bob@b_x.test"));
    CHECK_FALSE(is_smtp_mailbox("bob@[a b]"));
    CHECK_FALSE(is_smtp_mailbox("bob\xff@b.test"));
}

TEST_CASE("quoted local parts: qtextSMTP and quoted-pairSMTP only", "[imf][smtp_path]") {
    CHECK(is_smtp_mailbox("\"bob x\"@b.test"));
    CHECK(is_smtp_mailbox("\"bob\\\\x\"@b.test"));
    CHECK(is_smtp_mailbox("\"b@b\"@b.test"));
    CHECK(is_smtp_mailbox("\"\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob\tx\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob\r\n x\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob\\\tx\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob\"x\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob\\\"@b.test"));
    CHECK_FALSE(is_smtp_mailbox("\"bob@b.test"));
    CHECK_FALSE(is_smtp_mailbox("bob x@b.test"));
}

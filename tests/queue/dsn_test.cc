// The DSN as a mail program sees it: a multipart/report whose parts are
// parsed back here and checked field by field.
#include <catch2/catch.hpp>

#include <map>

#include "imf/header_section.h"
#include "queue/dsn.h"
#include "queue_fixture.h"

using namespace smtpsec::queue;
using namespace smtpsec::queue::testing;

namespace {

struct Part {
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::map<std::string, std::string> headers_of(std::string_view text, std::string_view* body = nullptr) {
    auto parsed = smtpsec::imf::parse_message(text);
    REQUIRE(parsed);
    std::map<std::string, std::string> out;
    for (const auto& f : parsed->fields)
        out[lower(f.name)] = std::string(smtpsec::imf::value_without_leading_space(f));
    if (body) *body = parsed->body;
    return out;
}

std::vector<Part> parts_of(const std::string& message, std::map<std::string, std::string>* top) {
    std::string_view body;
    *top = headers_of(message, &body);
    const auto& ct = (*top)["content-type"];
    auto b = ct.find("boundary=\"");
    REQUIRE(b != std::string::npos);
    std::string boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);
    std::vector<Part> parts;
    std::string delimiter = "--" + boundary;
    auto pos = body.find(delimiter);
    REQUIRE(pos != std::string_view::npos);
    for (;;) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") break;
        pos += 2;  // CRLF
        auto next = body.find("\r\n" + delimiter, pos);
        REQUIRE(next != std::string_view::npos);
        std::string_view part_body;
        Part p;
        p.headers = headers_of(body.substr(pos, next - pos), &part_body);
        p.body = std::string(part_body);
        parts.push_back(std::move(p));
        pos = next + 2;
    }
    return parts;
}

// "Name: value" fields of a delivery-status block, by group.
std::vector<std::map<std::string, std::string>> status_groups(const std::string& text) {
    std::vector<std::map<std::string, std::string>> groups(1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find("\r\n", pos);
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 2;
        if (line.empty()) {
            if (!groups.back().empty()) groups.emplace_back();
            continue;
        }
        auto colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        groups.back()[lower(line.substr(0, colon))] = line.substr(colon + 2);
    }
    if (groups.back().empty()) groups.pop_back();
    return groups;
}

Envelope alice_envelope() {
    Envelope e;
    e.id = "0123456789ABCDEF01234";
    e.sender = "alice@a.test";
    e.arrival = 1'795'000'000;
    return e;
}

}  // namespace

TEST_CASE("a failure DSN has the three parts, per-recipient status and only the original headers",
          "[queue][dsn]") {
    Envelope e = alice_envelope();
    Recipient bob;
    bob.address = "bob@b.test";
    bob.state = RecipientState::bounced;
    bob.status_code = "5.1.1";
    bob.diagnostic_type = "x-smtpsec";
    bob.last_error = "mx.b.test[127.0.0.1]:4650 answered unknown_address\r\nInjected: yes";
    bob.last_server = "mx.b.test[127.0.0.1]:4650";
    Recipient carol;
    carol.address = "carol@c.test";
    carol.state = RecipientState::bounced;
    carol.status_code = "5.1.1";
    carol.diagnostic_type = "smtp";
    carol.last_error = "550 5.1.1 <carol@c.test>: Recipient address rejected";
    Recipient dave;  // delivered: not in the report
    dave.address = "dave@b.test";
    dave.state = RecipientState::delivered;
    e.recipients = {bob, dave, carol};

    QueueSettings s;
    s.bounce_from = "MAILER-DAEMON@mx.a.test";
    s.reporting_mta = "mx.a.test";
    std::string original = sample_message();
    auto dsn = build_dsn({&e, original, {0, 2}, DsnAction::failed, "alice@a.test", e.arrival + 3600}, s);

    std::map<std::string, std::string> top;
    auto parts = parts_of(dsn, &top);
    CHECK(top["from"] == "Mail Delivery System <MAILER-DAEMON@mx.a.test>");
    CHECK(top["to"] == "<alice@a.test>");
    CHECK(top["auto-submitted"] == "auto-replied");
    CHECK(top["content-type"].find("multipart/report; report-type=delivery-status;") == 0);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0].headers["content-type"].find("text/plain") == 0);
    CHECK(parts[0].body.find("<bob@b.test>: mx.b.test[127.0.0.1]:4650 answered unknown_address") !=
          std::string::npos);
    CHECK(parts[1].headers["content-type"] == "message/delivery-status");
    CHECK(parts[2].headers["content-type"] == "text/rfc822-headers");

    auto groups = status_groups(parts[1].body);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0]["reporting-mta"] == "dns; mx.a.test");
    CHECK(groups[0]["arrival-date"] == rfc5322_date(e.arrival));
    CHECK(groups[1]["final-recipient"] == "rfc822; bob@b.test");
    CHECK(groups[1]["action"] == "failed");
    CHECK(groups[1]["status"] == "5.1.1");
    CHECK(groups[1]["remote-mta"] == "dns; mx.b.test");
    // The CRLF inside the reason did not become a field of its own.
    CHECK(groups[1]["diagnostic-code"] ==
          "x-smtpsec; mx.b.test[127.0.0.1]:4650 answered unknown_address  Injected: yes");
    CHECK(groups[1].count("injected") == 0);
    CHECK(groups[2]["final-recipient"] == "rfc822; carol@c.test");
    CHECK(groups[2]["diagnostic-code"] == "smtp; 550 5.1.1 <carol@c.test>: Recipient address rejected");
    CHECK(groups[2].count("remote-mta") == 0);
    CHECK(dsn.find("dave@b.test") == std::string::npos);

    // The original header section, whole; the body never.
    CHECK(parts[2].body == original.substr(0, original.find("\r\n\r\n") + 2));
    CHECK(dsn.find(sample_body) == std::string::npos);
}

TEST_CASE("a delay warning says delayed, 4.x.x and until when it is retried", "[queue][dsn]") {
    Envelope e = alice_envelope();
    Recipient bob;
    bob.address = "bob@b.test";
    bob.last_error = "no answer from mx.b.test";
    e.recipients = {bob};
    QueueSettings s;
    s.reporting_mta = "mx.a.test";
    std::string original = sample_message();
    auto dsn = build_dsn({&e, original, {0}, DsnAction::delayed, "alice@a.test", e.arrival + 4 * 3600}, s);
    std::map<std::string, std::string> top;
    auto parts = parts_of(dsn, &top);
    REQUIRE(parts.size() == 3);
    CHECK(top["subject"].find("Delayed") == 0);
    CHECK(parts[0].body.find("WARNING ONLY") != std::string::npos);
    auto groups = status_groups(parts[1].body);
    REQUIRE(groups.size() == 2);
    CHECK(groups[1]["action"] == "delayed");
    CHECK(groups[1]["status"] == "4.0.0");
    CHECK(groups[1]["will-retry-until"] == rfc5322_date(e.arrival + s.lifetime.count()));
}

TEST_CASE("RFC 5322 dates", "[queue][dsn]") {
    CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(1'795'000'000) == "Wed, 18 Nov 2026 11:06:40 +0000");
    CHECK(one_ascii_line("a\r\nb\x01\xc3\xa9", 100) == "a  b   ");
}

// Internationalised domains end to end (docs/decisions.md point 22 with
// RFC 6532): a From domain in U-labels is authenticated through the DNS names and
// certificate of its A-label form, and a recipient domain in U-labels is
// discovered and reached in its A-label form. Real TLS, real signed DNS.
#include <catch2/catch.hpp>

#include "sites.h"

using namespace smtpsec;

namespace {

constexpr const char* kULabel =
    "b\xC3\xBC"
    "cher.test";  // bücher.test
constexpr const char* kALabel = "xn--bcher-kva.test";

struct World {
    test::Sites s;
    // Signs for bücher.test with a certificate for mx.xn--bcher-kva.test. Built
    // here, not with Sites::sender(): the Deliverer keeps a reference to the
    // key, which must not move.
    std::optional<SigningIdentity> identity;
    std::unique_ptr<outbound::Deliverer> deliverer;
    World() {
        s.add({kALabel, s.pki.leaf({std::string("mx.") + kALabel}), {}});
        s.add({"gb.test", s.pki.leaf({"mx.gb.test"}), {}});
        s.start();
        auto files = testpki::TestPki::write(s.pki.leaf({std::string("mx.") + kALabel}), s.dir, "idn");
        auto id = SigningIdentity::load(files.cert, files.key);
        REQUIRE(id);
        identity.emplace(std::move(*id));
        auto creds = tls::Credentials::client();
        REQUIRE(creds);
        outbound::ConnectionSettings settings{*creds, s.policy, identity->chain, {}};
        deliverer = std::make_unique<outbound::Deliverer>(s.loop, *s.resolver, identity->key, settings);
    }
};

World& world() {
    static World w;
    return w;
}

outbound::OutboundEmail email(std::uint64_t id, const std::string& from, const std::string& domain) {
    outbound::OutboundEmail e;
    e.id = id;
    e.domain = domain;
    e.recipients = {"bob@" + domain};
    e.message = Bytes::copy_of(fmt::format(
        "SMTPsec-Used:\r\nFrom: {}\r\nTo: bob@{}\r\nSubject: idn\r\n\r\nHello.\r\n", from, domain));
    return e;
}

}  // namespace

TEST_CASE("a U-label From domain is authenticated in its A-label form", "[idna][integration]") {
    auto& w = world();
    auto& site = w.s.site("gb.test");
    const auto before = site.delivery.delivered.size();
    auto report = w.s.deliver(*w.deliverer, email(1, std::string("alice@") + kULabel, "gb.test"));
    REQUIRE(report.recipients.size() == 1);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    REQUIRE(site.delivery.delivered.size() == before + 1);
    CHECK_THAT(site.delivery.delivered.back().request.head,
               Catch::Contains(std::string("header.from=") + kALabel));
}

TEST_CASE("an invalid IDN From domain is refused with authentication_failed", "[idna][integration]") {
    auto& w = world();
    auto& site = w.s.site("gb.test");
    const auto before = site.delivery.delivered.size();
    // U+2764 is DISALLOWED in IDNA2008.
    auto report = w.s.deliver(*w.deliverer, email(2, "alice@\xE2\x9D\xA4.test", "gb.test"));
    REQUIRE(report.recipients.size() == 1);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(report.recipients[0].detail, Catch::Contains("authentication_failed"));
    CHECK(site.delivery.delivered.size() == before);
}

TEST_CASE("a U-label recipient domain is discovered in its A-label form", "[idna][integration]") {
    auto& w = world();
    auto& site = w.s.site(kALabel);
    const auto before = site.delivery.delivered.size();
    auto report = w.s.deliver(*w.deliverer, email(3, std::string("alice@") + kALabel,
                                                  "B\xC3\x9C"
                                                  "CHER.test"));
    REQUIRE(report.recipients.size() == 1);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK_THAT(report.server, Catch::Contains(std::string("mx.") + kALabel));
    CHECK(site.delivery.delivered.size() == before + 1);

    // A recipient domain that is no valid IDN bounces at once, without DNS.
    auto bad = w.s.deliver(*w.deliverer, email(4, std::string("alice@") + kALabel, "\xE2\x9D\xA4.test"));
    REQUIRE(bad.recipients.size() == 1);
    CHECK(bad.recipients[0].status == outbound::RecipientStatus::permanent);
    CHECK_THAT(bad.recipients[0].detail, Catch::Contains("not a valid internationalised domain name"));
}

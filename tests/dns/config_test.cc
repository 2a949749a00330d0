// Start-up refusals of the resolver: set-ups in which "insecure" would not
// mean "provably unsigned" must throw before any lookup, never run.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "dns/resolver.h"
#include "support/dns_fixture.h"

using namespace smtpsec::dns;
using smtpsec::event::Loop;
using smtpsec::test::DnsFixture;

namespace {

std::string write_file(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::path(DnsFixture::shared().dir()) / name;
    std::ofstream(path) << text;
    return path.string();
}

ResolverConfig with(std::string anchor, std::string unbound_config) {
    ResolverConfig config;
    config.trust_anchor_file = std::move(anchor);
    config.unbound_config = std::move(unbound_config);
    return config;
}

}  // namespace

TEST_CASE("the fixture's set-up is accepted", "[config][integration]") {
    Loop loop;
    CHECK_NOTHROW(Resolver(loop, DnsFixture::shared().resolver_config()));
}

TEST_CASE("no trust anchor at all is refused", "[config][integration]") {
    Loop loop;
    CHECK_THROWS_AS(Resolver(loop, with("", "")), ConfigError);
    CHECK_THROWS_WITH(Resolver(loop, with("", "")), Catch::Contains("trust anchor"));
}

TEST_CASE("unreadable or broken anchor and config files are refused at start-up", "[config][integration]") {
    Loop loop;
    CHECK_THROWS_AS(Resolver(loop, with("/nonexistent/root.key", "")), ConfigError);
    CHECK_THROWS_AS(Resolver(loop, with("", "/nonexistent/unbound.conf")), ConfigError);
    const auto garbage = write_file("garbage.key", "this is not a DS record\n");
    CHECK_THROWS_AS(Resolver(loop, with(garbage, "")), ConfigError);
    const auto bad_conf = write_file("bad.conf", "server:\n  no-such-keyword: yes\n");
    CHECK_THROWS_AS(Resolver(loop, with(DnsFixture::shared().trust_anchor(), bad_conf)), ConfigError);
}

TEST_CASE("validation switched off or permissive is refused", "[config][integration]") {
    Loop loop;
    const auto anchor = DnsFixture::shared().trust_anchor();
    const auto iterator_only = write_file("iterator.conf", "server:\n  module-config: \"iterator\"\n");
    CHECK_THROWS_WITH(Resolver(loop, with(anchor, iterator_only)), Catch::Contains("validator"));
    const auto permissive = write_file("permissive.conf", "server:\n  val-permissive-mode: yes\n");
    CHECK_THROWS_WITH(Resolver(loop, with(anchor, permissive)), Catch::Contains("permissive"));
}

TEST_CASE("a bad forwarder address is refused", "[config][integration]") {
    Loop loop;
    auto config = DnsFixture::shared().resolver_config();
    config.forwarders = {"not-an-address"};
    CHECK_THROWS_AS(Resolver(loop, config), ConfigError);
}

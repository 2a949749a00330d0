// Warnings about trust material growing old (daemon/trust_age.h, issue 18):
// the CT log list's age, the gateway's certificates close to expiry, a DNSSEC
// trust anchor older than the package's. "now" is passed in, so each case
// moves the clock instead of waiting.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>

#include "config_fixture.h"
#include "daemon/trust_age.h"
#include "tls/time_text.h"

using namespace smtpsec::daemon;
using smtpsec::daemon::testing::ConfigDir;
using std::chrono::days;

namespace {

SystemTime at(const char* rfc3339) { return *smtpsec::tls::parse_rfc3339(rfc3339); }

void set_mtime(const std::string& path, SystemTime when) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
    const timespec times[2] = {{s, 0}, {s, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

std::vector<std::string> reasons(const std::vector<ConfigProblem>& problems) {
    std::vector<std::string> out;
    for (const auto& p : problems) out.push_back(p.reason);
    return out;
}

}  // namespace

TEST_CASE("a CT log list older than ct_log_list_warn_age is warned about, a younger one is not",
          "[trust-age]") {
    ConfigDir dir;
    dir.write("log_list.json",
              R"({"version": "7.1", "log_list_timestamp": "2026-01-01T00:00:00Z", "operators": []})");
    Config c;
    c.file = dir.file("smtpsecd.conf");
    c.listener.addresses.clear();
    c.dns.trust_anchor.clear();
    c.tls.ct_log_list = dir.file("log_list.json");
    CHECK(trust_material_warnings(c, at("2026-01-20T00:00:00Z")).empty());
    const auto w = reasons(trust_material_warnings(c, at("2026-02-10T00:00:00Z")));
    REQUIRE(w.size() == 1);
    CHECK(w[0] ==
          "[tls] ct_log_list \"" + c.tls.ct_log_list +
              "\" is 40 days old (published 2026-01-01T00:00:00Z), more than ct_log_list_warn_age (\"30d\"): "
              "is smtpsec-ctlog-update.timer running? (smtpsec-ctlog-update(8))");
    c.tls.ct_log_list_warn_age = days(60);
    CHECK(trust_material_warnings(c, at("2026-02-10T00:00:00Z")).empty());

    const auto age = trust_material_age(c, at("2026-02-10T00:00:00Z"));
    REQUIRE(age.ct_log_list);
    CHECK(age.ct_log_list->version == "7.1");
    CHECK(age.ct_log_list->age == days(40));
}

TEST_CASE("a CT log list without a timestamp is as old as its file", "[trust-age]") {
    ConfigDir dir;
    dir.write("log_list.json", R"({"operators": []})");
    set_mtime(dir.file("log_list.json"), at("2026-01-01T00:00:00Z"));
    Config c;
    c.file = dir.file("smtpsecd.conf");
    c.listener.addresses.clear();
    c.dns.trust_anchor.clear();
    c.tls.ct_log_list = dir.file("log_list.json");
    const auto w = reasons(trust_material_warnings(c, at("2026-03-01T00:00:00Z")));
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Catch::Contains("is 59 days old (modified 2026-01-01T00:00:00Z)"));
}

TEST_CASE("the gateway's certificates: warned within 14 days of expiry and once expired", "[trust-age]") {
    ConfigDir dir;
    dir.write_identity("mx");  // valid for a year from an hour ago
    Config c;
    c.file = dir.file("smtpsecd.conf");
    c.dns.trust_anchor.clear();
    c.listener.certificate = dir.file("mx.chain.pem");
    c.signing.push_back({"a.test", dir.file("mx.chain.pem"), dir.file("mx.key.pem")});
    const auto now = std::chrono::system_clock::now();
    CHECK(trust_material_warnings(c, now).empty());
    CHECK(trust_material_warnings(c, now + days(340)).empty());
    auto w = reasons(trust_material_warnings(c, now + days(360)));
    REQUIRE(w.size() == 2);
    CHECK_THAT(w[0], Catch::StartsWith("[listener] certificate \"" + c.listener.certificate +
                                       "\" expires in 4 days ("));
    CHECK_THAT(w[1], Catch::StartsWith("[[signing]] a.test certificate \"" + c.listener.certificate +
                                       "\" expires in"));
    w = reasons(trust_material_warnings(c, now + days(400)));
    REQUIRE(w.size() == 2);
    CHECK_THAT(w[0],
               Catch::Contains("expired on") && Catch::Contains("peers cannot authenticate this gateway"));
    // The listener is off: its certificate does not matter.
    c.listener.addresses.clear();
    CHECK(trust_material_warnings(c, now + days(360)).size() == 1);
}

TEST_CASE("a trust anchor other than the package's, different and older, is warned about", "[trust-age]") {
    ConfigDir dir;
    dir.write("package.key", ". IN DS 38696 8 2 NEWKEY\n");
    dir.write("copy.key", ". IN DS 20326 8 2 OLDKEY\n");
    set_mtime(dir.file("package.key"), at("2026-06-01T00:00:00Z"));
    set_mtime(dir.file("copy.key"), at("2025-01-01T00:00:00Z"));
    Config c;
    c.file = dir.file("smtpsecd.conf");
    c.listener.addresses.clear();
    c.dns.trust_anchor = dir.file("copy.key");
    const auto now = at("2026-07-01T00:00:00Z");
    auto w = reasons(trust_material_warnings(c, now, dir.file("package.key")));
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Catch::StartsWith("[dns] trust_anchor \"" + dir.file("copy.key") +
                                       "\" differs from the package's"));
    // The package's file itself, the same content, or a copy newer than the
    // package's (unbound-anchor keeps its own current): no warning.
    c.dns.trust_anchor = dir.file("package.key");
    CHECK(trust_material_warnings(c, now, dir.file("package.key")).empty());
    dir.write("same.key", ". IN DS 38696 8 2 NEWKEY\n");
    set_mtime(dir.file("same.key"), at("2025-01-01T00:00:00Z"));
    c.dns.trust_anchor = dir.file("same.key");
    CHECK(trust_material_warnings(c, now, dir.file("package.key")).empty());
    set_mtime(dir.file("copy.key"), at("2026-06-02T00:00:00Z"));
    c.dns.trust_anchor = dir.file("copy.key");
    CHECK(trust_material_warnings(c, now, dir.file("package.key")).empty());
}

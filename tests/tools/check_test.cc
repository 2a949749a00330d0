// smtpsec-check run as a program against every zone of the DNS fixture:
// exit status and JSON verdict for each, the text form, and usage errors
// (DNS only, --no-tls); then the TLS probe against real listeners on
// loopback (tests/integration/sites.h) run on a thread of this process.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sites.h"
#include "support/dns_fixture.h"

using nlohmann::json;
using smtpsec::test::DnsFixture;

namespace {

struct Run {
    int status = -1;
    std::string out;
};

Run run(const std::vector<std::string>& args) {
    const char* binary = std::getenv("SMTPSEC_CHECK");
    REQUIRE(binary != nullptr);
    std::string command = std::string("'") + binary + "'";
    for (const auto& a : args) command += " '" + a + "'";
    command += " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    Run r;
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
    const int status = pclose(pipe);
    REQUIRE(WIFEXITED(status));
    r.status = WEXITSTATUS(status);
    return r;
}

std::vector<std::string> fixture_args() {
    return {"--trust-anchor", "none", "--unbound-config", DnsFixture::shared().unbound_config(),
            "--timeout",      "5",    "--no-tls"};
}

Run check(const std::string& domain, bool as_json) {
    auto args = fixture_args();
    if (as_json) args.push_back("--json");
    args.push_back(domain);
    return run(args);
}

json check_json(const std::string& domain, int expected_status) {
    const Run r = check(domain, true);
    INFO(domain << " output:\n" << r.out);
    CHECK(r.status == expected_status);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("smtpsec-check: signed domains with SRV give smtpsec (exit 0)", "[check][integration]") {
    for (const char* domain : {"a.test", "b.test", "d7.bench.test"}) {
        const json j = check_json(domain, 0);
        CHECK(j["domain"] == domain);
        CHECK(j["verdict"] == "smtpsec");
        CHECK(j["smtp_allowed"] == false);
        CHECK(j["srv"]["security"] == "secure");
        REQUIRE(j["targets"].size() == 1);
        CHECK(j["targets"][0]["port"] == 4650);
    }
    const json a = check_json("a.test", 0);
    const json& target = a["targets"][0];
    CHECK(target["target"] == "mx.a.test");
    CHECK(target["addresses"]["ipv4"]["security"] == "secure");
    CHECK(target["addresses"]["ipv4"]["addresses"] == json::array({"127.0.0.2"}));
    CHECK(target["addresses"]["ipv6"]["addresses"] == json::array({"::1"}));
    CHECK(target["tlsa"]["verdict"] == "secure");
    CHECK(target["tlsa"]["query"] == "_4650._tcp.mx.a.test");
    REQUIRE(target["tlsa"]["records"].size() == 1);
    CHECK(target["tlsa"]["records"][0]["usage"] == 3);
    CHECK(target["tlsa"]["records"][0]["data"].get<std::string>().size() == 64);
    CHECK(target["skip_reason"] == "");
}

TEST_CASE("smtpsec-check: multi.test lists five targets by priority", "[check][integration]") {
    const json j = check_json("multi.test", 0);
    REQUIRE(j["targets"].size() == 5);
    CHECK(j["targets"][0]["target"] == "mx0.multi.test");
    CHECK(j["targets"][4]["target"] == "mx4.multi.test");
    for (std::size_t i = 1; i < 5; ++i) CHECK(j["targets"][i - 1]["priority"] <= j["targets"][i]["priority"]);
    // No TLSA there: secure absence, and the target is still tried.
    CHECK(j["targets"][0]["tlsa"]["verdict"] == "none_secure");
    CHECK(j["targets"][0]["skip_reason"] == "");
}

TEST_CASE("smtpsec-check: secure absence gives none_secure (exit 2)", "[check][integration]") {
    for (const char* domain : {"nodata.test", "nosuch.a.test", "nosuch.test", "dot.test"}) {
        const json j = check_json(domain, 2);
        CHECK(j["verdict"] == "none_secure");
        CHECK(j["smtp_allowed"] == true);
        CHECK(j["targets"].empty());
    }
    CHECK_THAT(check_json("dot.test", 2)["reason"].get<std::string>(), Catch::Contains("\".\""));
}

TEST_CASE("smtpsec-check: an insecure delegation gives none_insecure (exit 3)", "[check][integration]") {
    const json j = check_json("insecure.test", 3);
    CHECK(j["verdict"] == "none_insecure");
    CHECK(j["srv"]["security"] == "insecure");
    CHECK(j["srv"]["records"].size() == 1);
    CHECK(j["targets"].empty());
}

TEST_CASE("smtpsec-check: bogus and failing zones give defer (exit 4)", "[check][integration]") {
    const json expired = check_json("expired.test", 4);
    CHECK(expired["verdict"] == "defer");
    CHECK(expired["smtp_allowed"] == false);
    CHECK(expired["srv"]["security"] == "bogus");
    CHECK_THAT(expired["reason"].get<std::string>(), Catch::Contains("signature expired"));
    const json badds = check_json("badds.test", 4);
    CHECK(badds["verdict"] == "defer");
    CHECK(badds["srv"]["security"] == "bogus");
    CHECK(badds["hint"] == "");  // bogus is a finding, not a resolver problem
    const json servfail = check_json("servfail.test", 4);
    CHECK(servfail["verdict"] == "defer");
    CHECK_THAT(servfail["reason"].get<std::string>(), Catch::Contains("SERVFAIL"));
}

TEST_CASE("smtpsec-check: the text form states the conclusion", "[check][integration]") {
    const Run a = check("a.test", false);
    CHECK(a.status == 0);
    CHECK_THAT(a.out, Catch::Contains("_smtpsec._tcp.a.test: secure") &&
                          Catch::Contains("0 0 4650 mx.a.test.") && Catch::Contains("127.0.0.2") &&
                          Catch::Contains("Verdict  SMTPsec"));
    const Run insecure = check("insecure.test", false);
    CHECK(insecure.status == 3);
    CHECK_THAT(insecure.out, Catch::Contains("not trusted") && Catch::Contains("Verdict  SMTP fallback"));
    const Run expired = check("expired.test", false);
    CHECK(expired.status == 4);
    CHECK_THAT(expired.out, Catch::Contains("Verdict  deferred") && Catch::Contains("must not fall back"));
}

TEST_CASE("smtpsec-check: a resolver that never answers gives defer \"timeout\"", "[check][integration]") {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const std::string conf = DnsFixture::shared().dir() + "/check-blackhole.conf";
    std::ofstream(conf) << "server:\n  local-zone: \"test.\" nodefault\n  do-not-query-localhost: no\n"
                        << "  trust-anchor-file: \"" << DnsFixture::shared().trust_anchor() << "\"\n"
                        << "stub-zone:\n  name: \"test.\"\n  stub-addr: 127.0.0.1@" << ntohs(address.sin_port)
                        << "\n";
    const Run r = run(
        {"--json", "--trust-anchor", "", "--unbound-config", conf, "--timeout", "0.3", "a.test"});
    close(fd);
    INFO(r.out);
    CHECK(r.status == 4);
    const json j = json::parse(r.out);
    CHECK(j["verdict"] == "defer");
    CHECK_THAT(j["reason"].get<std::string>(), Catch::Contains("timeout"));
    // Offline looks like this: the answer says what to try.
    CHECK_THAT(j["hint"].get<std::string>(),
               Catch::Contains("check its network and resolver") && Catch::Contains("--forwarder IP"));
    const Run text = run(
        {"--trust-anchor", "", "--unbound-config", conf, "--timeout", "0.3", "--no-tls", "a.test"});
    CHECK_THAT(text.out, Catch::Contains("\nHint     no usable answer from DNS: ") &&
                             Catch::Contains("--forwarder IP"));
}

TEST_CASE("smtpsec-check: usage and set-up errors", "[check][integration]") {
    CHECK(run({}).status == 64);
    CHECK(run({"--no-such-option", "a.test"}).status == 64);
    auto args = fixture_args();
    args.push_back("bad domain");
    CHECK(run(args).status == 64);
    // No trust anchor at all: refused, never "everything is insecure".
    const Run none = run({"--trust-anchor", "", "a.test"});
    CHECK(none.status == 1);
    CHECK_THAT(none.out, Catch::Contains("trust anchor"));
    CHECK(run({"--trust-anchor", "/nonexistent/root.key", "a.test"}).status == 1);
    CHECK(run({"--unbound-config", "/nonexistent/unbound.conf", "a.test"}).status == 1);
    // Validation switched off by the site config: refused.
    const std::string conf = DnsFixture::shared().dir() + "/no-validator.conf";
    std::ofstream(conf) << "server:\n  module-config: \"iterator\"\n";
    const Run off = run(
        {"--trust-anchor", DnsFixture::shared().trust_anchor(), "--unbound-config", conf, "a.test"});
    CHECK(off.status == 1);
    CHECK_THAT(off.out, Catch::Contains("validator"));
}

TEST_CASE("smtpsec-check: without --no-tls an unreachable target gives exit 5", "[check][integration]") {
    // a.test's only target, mx.a.test:4650 at ::1 and 127.0.0.2, has no listener.
    const Run r = run({"--trust-anchor", "none", "--unbound-config", DnsFixture::shared().unbound_config(),
                       "--timeout", "5", "--json", "a.test"});
    INFO(r.out);
    CHECK(r.status == 5);
    const json j = json::parse(r.out);
    CHECK(j["verdict"] == "smtpsec");
    CHECK(j["tls_probe"]["ran"] == true);
    CHECK(j["tls_probe"]["any_passed"] == false);
    const json& probes = j["targets"][0]["tls_probes"];
    REQUIRE(probes.size() == 2);
    CHECK(probes[0]["address"] == "[::1]:4650");  // IPv6 first, as the outbound client
    CHECK(probes[1]["address"] == "127.0.0.2:4650");
    for (const auto& p : probes) {
        CHECK(p["passed"] == false);
        CHECK_THAT(p["failure"].get<std::string>(), Catch::Contains("connect: Connection refused"));
    }
}

namespace {

using namespace smtpsec;
using testpki::CertSpec;
using testpki::Key;
using testpki::KeyType;
using Leaf = testpki::TestPki::Leaf;

// Receiving sites on loopback whose loop runs on a thread while the tool,
// a child process, probes them.
class ProbedSites {
public:
    test::Sites s;

    ProbedSites() {
        auto& pki = s.pki;
        // Self-signed, no SCT: only its DANE-EE record can make it pass.
        auto ee_key = Key::generate(KeyType::ecdsa_p256);
        auto ee = testpki::issue(CertSpec::named("mx.pdane.test").dns("mx.pdane.test"), ee_key, nullptr,
                                 ee_key);
        s.add({"pdane.test", Leaf{ee_key, {ee}}, {"3 1 1 " + test::hex(testpki::tlsa_data(ee, 1, 1))}});
        // CA-issued with one SCT and no TLSA: passes CA + CT with --ct-min-scts 1.
        s.add({"pca.test", pki.leaf({"mx.pca.test"}), {}});
        // Its TLSA record names another certificate.
        auto other = pki.leaf({"mx.ptlsa.test"});
        s.add({"ptlsa.test",
               pki.leaf({"mx.ptlsa.test"}),
               {"3 1 1 " + test::hex(testpki::tlsa_data(other.chain[0], 1, 1))}});
        // Valid, but for another name.
        s.add({"pname.test", pki.leaf({"mx.other.test"}), {}});
        s.start();
        wake_.start(event::Timer::Seconds(0.02));
        thread_ = std::thread([this] {
            while (!stop_) s.loop.run_once();
        });
    }
    ~ProbedSites() {
        stop_ = true;
        thread_.join();
    }

    Run check(const std::string& domain, bool as_json, bool with_ct = true) {
        std::vector<std::string> args{
            "--trust-anchor", "none", "--unbound-config", s.dns->unbound_config(),
            "--timeout",      "5",    "--ca-file",        (s.dir / "ca.pem").string()};
        if (with_ct) {
            args.insert(args.end(), {"--ct-log-list", (s.dir / "logs.json").string(), "--ct-min-scts", "1"});
        }
        if (as_json) args.push_back("--json");
        args.push_back(domain);
        return run(args);
    }

    std::string address(const std::string& domain) {
        return fmt::format("127.0.0.1:{}", s.site(domain).port);
    }

private:
    std::atomic<bool> stop_{false};
    // Wakes the loop so the thread sees stop_.
    event::Timer wake_{s.loop, [this] { wake_.start(event::Timer::Seconds(0.02)); }};
    std::thread thread_;
};

// The status of check `name` in a probe's JSON.
json check_of(const json& probe, const std::string& name) {
    for (const auto& c : probe["checks"])
        if (c["check"] == name) return c;
    FAIL("no check " << name << " in " << probe.dump());
    return {};
}

json only_probe(const json& report) {
    REQUIRE(report["targets"].size() == 1);
    REQUIRE(report["targets"][0]["tls_probes"].size() == 1);
    return report["targets"][0]["tls_probes"][0];
}

}  // namespace

TEST_CASE("smtpsec-check: the TLS probe against real listeners", "[check][integration]") {
    ProbedSites sites;

    SECTION("DANE-EE passes without CA or CT") {
        const Run r = sites.check("pdane.test", true);
        INFO(r.out);
        CHECK(r.status == 0);
        const json p = only_probe(json::parse(r.out));
        CHECK(p["address"] == sites.address("pdane.test"));
        CHECK(p["passed"] == true);
        CHECK(p["tls"]["version"] == "TLS1.3");
        CHECK(p["tls"]["alpn"] == "smtpsec/0");
        CHECK(p["server_hello"] == true);
        CHECK(p["server_hello_detail"] == "version 0");
        CHECK(check_of(p, "name")["status"] == "pass");
        CHECK(check_of(p, "DANE")["status"] == "pass");
        CHECK_THAT(check_of(p, "DANE")["detail"].get<std::string>(),
                   Catch::Contains("DANE-EE 3 1 1 matched"));
        CHECK(check_of(p, "CA")["status"] == "not needed");
        CHECK(check_of(p, "CT")["status"] == "not needed");
        // Without a CT log list DANE-EE still passes.
        CHECK(sites.check("pdane.test", false, false).status == 0);
    }

    SECTION("CA + CT passes; without a CT log list it cannot") {
        const Run r = sites.check("pca.test", true);
        INFO(r.out);
        CHECK(r.status == 0);
        const json p = only_probe(json::parse(r.out));
        CHECK(p["passed"] == true);
        CHECK(check_of(p, "DANE")["status"] == "none");
        CHECK(check_of(p, "CA")["status"] == "pass");
        CHECK(check_of(p, "CT")["status"] == "pass");

        const Run text = sites.check("pca.test", false, false);
        INFO(text.out);
        CHECK(text.status == 5);
        CHECK_THAT(text.out, Catch::Contains("TLS probe " + sites.address("pca.test") + ": FAILED") &&
                                 Catch::Contains("no CT log list") &&
                                 Catch::Contains("only a DANE-EE match can pass") &&
                                 Catch::Contains("no target passed the TLS checks"));
    }

    SECTION("a TLSA mismatch fails with the reason") {
        const Run r = sites.check("ptlsa.test", true);
        INFO(r.out);
        CHECK(r.status == 5);
        const json j = json::parse(r.out);
        CHECK(j["verdict"] == "smtpsec");
        CHECK(j["tls_probe"]["any_passed"] == false);
        const json p = only_probe(j);
        CHECK(p["passed"] == false);
        CHECK(check_of(p, "name")["status"] == "pass");
        CHECK(check_of(p, "DANE")["status"] == "fail");
        CHECK_THAT(check_of(p, "DANE")["detail"].get<std::string>(),
                   Catch::Contains("TLSA 3 1 1 does not match the leaf"));
        // The TLS part and the ServerHello are still reported.
        CHECK(p["server_hello"] == true);
        CHECK(p["tls"]["alpn"] == "smtpsec/0");
    }

    SECTION("a certificate for another name fails with the reason") {
        const Run r = sites.check("pname.test", false);
        INFO(r.out);
        CHECK(r.status == 5);
        CHECK_THAT(r.out, Catch::Contains("TLS probe " + sites.address("pname.test") + ": FAILED") &&
                              Catch::Contains("certificate not valid for mx.pname.test") &&
                              Catch::Contains("ServerHello  pass        version 0"));
    }
}

// The CT log list loader: the public log_list.json v3 shape, its consistency
// checks, and the state/interval rules an SCT's log must satisfy.
#include <gnutls/crypto.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tls/auth.h"
#include "tls/ct_log_list.h"
#include "tls/pki_helper.h"

using namespace smtpsec;
using namespace smtpsec::tls;
using smtpsec::testpki::LogListEntry;
using namespace std::chrono;

namespace {

const testpki::CtLog& test_log() {
    static const testpki::CtLog log = testpki::CtLog::create("Test 'Shard' log", "Test operator");
    return log;
}

std::string list_with(const LogListEntry& entry) { return testpki::log_list_json(std::span(&entry, 1)); }

}  // namespace

TEST_CASE("a v3 log list yields the logs with id, key, state and operator", "[tls][ctlist]") {
    const auto since = TimePoint(sys_days{year{2023} / 1 / 2});
    const auto logs = parse_ct_log_list(list_with(LogListEntry(&test_log(), "usable", since)));
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].description == "Test 'Shard' log");
    CHECK(logs[0].operator_name == "Test operator");
    CHECK(logs[0].state == CtLogState::usable);
    CHECK(logs[0].state_since == since);
    CHECK(logs[0].id == test_log().id());
    CHECK(logs[0].key_der == test_log().key.spki_der());
    CHECK_FALSE(logs[0].interval_start);
}

TEST_CASE("tiled_logs and temporal_interval are read", "[tls][ctlist]") {
    LogListEntry entry(&test_log(), "qualified");
    const auto start = TimePoint(sys_days{year{2025} / 1 / 1});
    const auto end = TimePoint(sys_days{year{2025} / 7 / 1});
    entry.temporal_interval = {start, end};
    auto doc = nlohmann::json::parse(list_with(entry));
    doc["operators"][0]["tiled_logs"] = doc["operators"][0]["logs"];
    doc["operators"][0].erase("logs");
    const auto logs = parse_ct_log_list(doc.dump());
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].state == CtLogState::qualified);
    CHECK(logs[0].interval_start == start);
    CHECK(logs[0].interval_end == end);
}

TEST_CASE("inconsistent log lists are refused at start-up", "[tls][ctlist]") {
    auto doc = nlohmann::json::parse(list_with(LogListEntry(&test_log())));
    SECTION("log_id that is not the key's hash") {
        const testpki::CtLog other = testpki::CtLog::create("other", "op");
        doc["operators"][0]["logs"][0]["log_id"] = nlohmann::json::parse(
            list_with(LogListEntry(&other)))["operators"][0]["logs"][0]["log_id"];
        CHECK_THROWS_WITH(parse_ct_log_list(doc.dump()), Catch::Contains("log_id is not the SHA-256 of key"));
    }
    SECTION("bad base64 key") {
        doc["operators"][0]["logs"][0]["key"] = "not base64!";
        CHECK_THROWS_WITH(parse_ct_log_list(doc.dump()), Catch::Contains("invalid base64"));
    }
    SECTION("missing key") {
        doc["operators"][0]["logs"][0].erase("key");
        CHECK_THROWS_WITH(parse_ct_log_list(doc.dump()), Catch::Contains("missing \"key\""));
    }
    SECTION("the same log twice") {
        doc["operators"][0]["logs"].push_back(doc["operators"][0]["logs"][0]);
        CHECK_THROWS_WITH(parse_ct_log_list(doc.dump()), Catch::Contains("listed twice"));
    }
    SECTION("bad state time") {
        doc["operators"][0]["logs"][0]["state"]["usable"]["timestamp"] = "yesterday";
        CHECK_THROWS_WITH(parse_ct_log_list(doc.dump()), Catch::Contains("bad time"));
    }
    SECTION("not JSON") {
        CHECK_THROWS_WITH(parse_ct_log_list("{\"operators\": ["), Catch::Contains("CT log list: JSON"));
    }
    SECTION("no operators") {
        CHECK_THROWS_WITH(parse_ct_log_list("{\"logs\": []}"), Catch::Contains("no \"operators\""));
    }
}

TEST_CASE("a key OpenSSL cannot use is refused when the policy loads", "[tls][ctlist]") {
    // A well-formed id for a key that is not a SubjectPublicKeyInfo.
    const std::vector<std::uint8_t> junk{1, 2, 3, 4, 5, 6, 7, 8};
    std::array<std::uint8_t, 32> id{};
    gnutls_hash_fast(GNUTLS_DIG_SHA256, junk.data(), junk.size(), id.data());
    auto b64 = [](std::span<const std::uint8_t> bytes) {
        gnutls_datum_t in{const_cast<unsigned char*>(bytes.data()), unsigned(bytes.size())};
        gnutls_datum_t out{};
        REQUIRE(gnutls_base64_encode2(&in, &out) == 0);
        std::string text(reinterpret_cast<char*>(out.data), out.size);
        gnutls_free(out.data);
        return text;
    };
    const std::string list = R"({"operators":[{"name":"x","logs":[{"description":"junk","log_id":")" +
                             b64(id) + R"(","key":")" + b64(junk) +
                             R"(","state":{"usable":{"timestamp":"2020-01-01T00:00:00Z"}}}]}]})";
    AuthPolicyConfig config;
    config.ca_pem = testpki::TestPki().ca_pem();
    config.ct_log_list_json = list;
    CHECK_THROWS_WITH(AuthPolicy(config), Catch::Contains("OpenSSL cannot read its key"));
}

TEST_CASE("log states decide whether an SCT counts", "[tls][ctlist]") {
    tls::CtLog log;
    log.description = "L";
    log.state_since = TimePoint(sys_days{year{2024} / 6 / 1});
    const auto before = log.state_since - hours{1};
    const auto after = log.state_since + hours{1};
    const auto expiry = TimePoint(sys_days{year{2025} / 3 / 1});

    log.state = CtLogState::usable;
    CHECK(ct_log_refusal(log, after, expiry).empty());
    log.state = CtLogState::qualified;
    CHECK(ct_log_refusal(log, before, expiry).empty());
    log.state = CtLogState::retired;
    CHECK(ct_log_refusal(log, before, expiry).empty());
    CHECK_THAT(ct_log_refusal(log, after, expiry), Catch::Contains("log retired since 2024-06-01T00:00:00Z"));
    log.state = CtLogState::readonly;
    CHECK(ct_log_refusal(log, before, expiry).empty());
    CHECK_THAT(ct_log_refusal(log, after, expiry), Catch::Contains("log readonly since"));
    log.state = CtLogState::rejected;
    CHECK_THAT(ct_log_refusal(log, before, expiry), Catch::Contains("log state rejected"));
    log.state = CtLogState::pending;
    CHECK_THAT(ct_log_refusal(log, before, expiry), Catch::Contains("log state pending"));
    log.state = CtLogState::none;
    CHECK_THAT(ct_log_refusal(log, before, expiry), Catch::Contains("log state no state"));

    log.state = CtLogState::usable;
    log.interval_start = TimePoint(sys_days{year{2025} / 1 / 1});
    log.interval_end = TimePoint(sys_days{year{2025} / 7 / 1});
    CHECK(ct_log_refusal(log, after, expiry).empty());
    CHECK_THAT(ct_log_refusal(log, after, *log.interval_end),
               Catch::Contains("outside the log's temporal interval"));
    CHECK_THAT(ct_log_refusal(log, after, *log.interval_start - seconds{1}),
               Catch::Contains("temporal interval"));
    CHECK(ct_log_refusal(log, after, *log.interval_start).empty());
}

TEST_CASE("AuthPolicy::from_files reads the CA file and the log list", "[tls][ctlist]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("smtpsec-tls-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const testpki::TestPki pki;
    testpki::write_file(dir / "ca.pem", pki.ca_pem());
    testpki::write_file(dir / "logs.json", pki.log_list_json());

    const auto policy = AuthPolicy::from_files((dir / "ca.pem").string(), (dir / "logs.json").string());
    CHECK(policy.has_ct_logs());
    CHECK(policy.ct_log_count() == 1);
    CHECK(policy.trusted_ca_count() == 1);
    CHECK(policy.ct_requirements().min_logs == 2);
    CHECK(policy.ct_requirements().min_operators == 2);

    const auto no_logs = AuthPolicy::from_files((dir / "ca.pem").string(), "");
    CHECK_FALSE(no_logs.has_ct_logs());
    CHECK_THROWS_WITH(AuthPolicy::from_files((dir / "missing.pem").string(), ""),
                      Catch::Contains("cannot open"));
    CHECK_THROWS_WITH(AuthPolicy::from_files((dir / "logs.json").string(), ""),
                      Catch::Contains("CA certificates"));
    std::filesystem::remove_all(dir);
}

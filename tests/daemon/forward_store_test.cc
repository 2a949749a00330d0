// The forward store and its marker (src/daemon/forward_store.h, issue 16,
// docs/forwarding.md): what the listener records comes back exactly, across
// a restart; a marker nobody with the key made, one copied onto other bytes,
// one altered, or a record changed on disk is not believed; the store is
// bounded by size and age.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon/forward_store.h"

using namespace smtpsec;
using namespace smtpsec::daemon;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/forward-store-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

Message email_message(std::string_view text, std::optional<std::uint8_t> require = std::nullopt) {
    Email e;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes::copy_of(std::string(64, 'S'));
    e.trace_headers = {{"Received", "from mx.a.test by a.test;\r\n Sun, 6 Dec 2026 03:00:00 +0000"}};
    e.recipients = {"bob@b.test"};
    e.message = Bytes::copy_of(text);
    Message m{{}, e};
    if (require) m.extensions.push_back({0, Bytes(std::vector<std::uint8_t>{*require})});
    return m;
}

const CertificateChain chain{Bytes::copy_of(std::string("leaf-der")), Bytes::copy_of(std::string("ca-der"))};
const std::string original = "SMTPsec-Used:\r\nFrom: alice@a.test\r\nSubject: hi\r\n\r\nbody\r\n";
const std::string own_received =
    "Received: from mx.a.test by mx.b.test with SMTPSEC id X-1;\r\n Sun, 6 Dec 2026\r\n";

std::string field(std::string_view marker, int index) {
    std::string s(marker);
    for (int i = 0; i < index; ++i) s = s.substr(s.find(' ') + 1);
    return s.substr(0, s.find(' '));
}

}  // namespace

TEST_CASE("a recorded Email comes back exactly: bytes, signature, chain, require_security, trace headers") {
    TempDir dir;
    ForwardStore store(dir.path, {});
    auto marker = store.record(email_message(original, 1), chain, "a.test", own_received);
    REQUIRE(marker);
    CHECK(marker->starts_with("v1 "));
    auto found = store.find(*marker);
    REQUIRE(found);
    CHECK(found->message == original);
    CHECK(found->from_domain == "a.test");
    CHECK(found->require_security == std::uint8_t{1});
    CHECK(found->algorithm == SignatureAlgorithm::ed25519);
    CHECK(found->signature == Bytes::copy_of(std::string(64, 'S')));
    CHECK(found->chain == chain);
    REQUIRE(found->trace_headers.size() == 2);
    CHECK(found->trace_headers[0] ==
          Header{"Received", "from mx.a.test by mx.b.test with SMTPSEC id X-1;\r\n Sun, 6 Dec 2026"});
    CHECK(found->trace_headers[1].value.starts_with("from mx.a.test by a.test;"));
    auto without = store.record(email_message(original), chain, "a.test", own_received);
    REQUIRE(without);
    CHECK_FALSE(store.find(*without)->require_security);
}

TEST_CASE("the record and the key survive a restart; the key file is 0600") {
    TempDir dir;
    std::string marker;
    {
        ForwardStore store(dir.path, {});
        marker = *store.record(email_message(original), chain, "a.test", own_received);
    }
    struct stat st {};
    REQUIRE(::stat((dir.path + "/forward.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(st.st_size == 32);
    ForwardStore again(dir.path, {});
    auto found = again.find(marker);
    REQUIRE(found);
    CHECK(found->message == original);
}

TEST_CASE("a key readable by others is refused at start") {
    TempDir dir;
    { ForwardStore store(dir.path, {}); }
    ::chmod((dir.path + "/forward.key").c_str(), 0644);
    CHECK_THROWS_WITH(ForwardStore(dir.path, {}), Catch::Contains("readable by others"));
}

TEST_CASE("forged, altered and copied markers are not believed") {
    TempDir dir;
    ForwardStore store(dir.path, {});
    auto m1 = *store.record(email_message(original), chain, "a.test", own_received);
    auto m2 = *store.record(email_message("From: mallory@a.test\r\n\r\nother\r\n"), chain, "a.test",
                            own_received);
    const std::string token1 = field(m1, 1), mac1 = field(m1, 2), token2 = field(m2, 1), mac2 = field(m2, 2);

    SECTION("made up: a random token and MAC") {
        auto r = store.find("v1 0123456789abcdef0123456789abcdef " + std::string(64, 'a'));
        REQUIRE_FALSE(r);
        CHECK(r.error() == "no record for the marker");
    }
    SECTION("the token of one record with the MAC of another (a copied marker on other bytes)") {
        auto r = store.find("v1 " + token2 + " " + mac1);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "marker MAC does not verify");
    }
    SECTION("one digit of the MAC changed") {
        std::string mac = mac1;
        mac[10] = mac[10] == '0' ? '1' : '0';
        auto r = store.find("v1 " + token1 + " " + mac);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "marker MAC does not verify");
    }
    SECTION("the record's bytes changed on disk") {
        const std::string path = dir.path + "/forward/" + token1 + ".fwd";
        std::string text;
        {
            std::ifstream in(path, std::ios::binary);
            text.assign(std::istreambuf_iterator<char>(in), {});
        }
        auto at = text.find("Subject: hi");
        REQUIRE(at != std::string::npos);
        text[at + 9] = 'H';
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        auto r = store.find(m1);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "marker MAC does not verify");
    }
    SECTION("malformed values") {
        CHECK_FALSE(store.find(""));
        CHECK_FALSE(store.find("v2 " + token1 + " " + mac1));
        CHECK_FALSE(store.find("v1 ../../etc/passwd " + mac1));
        CHECK_FALSE(store.find("v1 " + token1));
    }
    SECTION("a marker made with another gateway's key") {
        TempDir other;
        ForwardStore elsewhere(other.path, {});
        auto m = *elsewhere.record(email_message(original), chain, "a.test", own_received);
        // Same bytes, its own record copied over: the MAC is not ours.
        std::filesystem::copy_file(other.path + "/forward/" + field(m, 1) + ".fwd",
                                   dir.path + "/forward/" + field(m, 1) + ".fwd");
        auto r = store.find(m);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "marker MAC does not verify");
    }
}

TEST_CASE("the store is bounded by bytes and age") {
    TempDir dir;
    SECTION("past max_bytes no record is made") {
        ForwardLimits limits;
        limits.max_bytes = 600;
        ForwardStore store(dir.path, limits);
        REQUIRE(store.record(email_message(original), chain, "a.test", own_received));
        auto full = store.record(email_message(std::string(300, 'x')), chain, "a.test", own_received);
        REQUIRE_FALSE(full);
        CHECK_THAT(full.error(), Catch::Contains("forward store full"));
    }
    SECTION("an expired record is not believed and clean() removes it") {
        ForwardLimits limits;
        limits.max_age = std::chrono::hours(1);
        ForwardStore store(dir.path, limits);
        auto m = *store.record(email_message(original), chain, "a.test", own_received);
        const std::string path = dir.path + "/forward/" + field(m, 1) + ".fwd";
        struct timeval old[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
        REQUIRE(::utimes(path.c_str(), old) == 0);
        auto r = store.find(m);
        REQUIRE_FALSE(r);
        CHECK(r.error() == "record expired");
        CHECK(store.clean() == 1);
        CHECK_FALSE(std::filesystem::exists(path));
        CHECK(store.bytes() == 0);
    }
}

// smtpsec-dump, run as a program on streams built here: real certificate
// chains and real signatures, one of them tampered with; malformed and
// truncated streams; exit statuses as the man page gives them.
#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "crypto/test_certificates.h"
#include "smtpsec/codec.h"
#include "smtpsec/signature.h"

using namespace smtpsec;
namespace fs = std::filesystem;

namespace {

struct Run {
    int status;
    std::string out;
};

Run run_dump(const std::string& args, const std::vector<std::uint8_t>& stream) {
    const char* bin = std::getenv("SMTPSEC_DUMP");
    REQUIRE(bin != nullptr);
    fs::path file = fs::temp_directory_path() / ("dump-test-" + std::to_string(::getpid()) + ".bin");
    {
        std::ofstream f(file, std::ios::binary);
        f.write(reinterpret_cast<const char*>(stream.data()), static_cast<std::streamsize>(stream.size()));
    }
    std::string cmd = std::string(bin) + " " + args + " " + file.string();
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = ::pclose(p);
    fs::remove(file);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::size_t at = 0;
    while (at < out.size()) {
        auto eol = out.find('\n', at);
        lines.push_back(nlohmann::json::parse(out.substr(at, eol - at)));
        at = eol + 1;
    }
    return lines;
}

void append(std::vector<std::uint8_t>& stream, const Message& m) { encode_to(m, stream); }

Email signed_email(const SigningKey& key, std::string_view body) {
    Email e;
    e.signature_method.algorithm = key.algorithm();
    e.trace_headers = {{"Received", "from mx.a.test by mx.b.test"}};
    e.recipients = {"bob@b.test"};
    e.message = Bytes::copy_of(body);
    auto sig = key.sign(e.message.span());
    REQUIRE(sig.has_value());
    e.signature = Bytes(std::move(*sig));
    return e;
}

}  // namespace

TEST_CASE("smtpsec-dump --json --verify reports each Email's signature") {
    for (auto alg : {SignatureAlgorithm::ed25519, SignatureAlgorithm::ecdsa_secp384r1_sha384}) {
        INFO(name_of(alg));
        auto cert = testing::make_test_certificate(alg, "mx.a.test");
        auto key = SigningKey::from_pem(cert.key_pem);
        REQUIRE(key.has_value());

        std::vector<std::uint8_t> stream;
        append(stream, Message{{}, ClientHello{0, {{cert.der}}}});
        std::string body = "From: alice@a.test\r\nTo: bob@b.test\r\n\r\nhello\r\n";
        append(stream, Message{{{0, Bytes::copy_of(std::string_view("\x01"))}}, signed_email(*key, body)});
        Email tampered = signed_email(*key, body);
        tampered.message = Bytes::copy_of(body.substr(0, body.size() - 3) + "!\r\n");
        append(stream, Message{{}, tampered});
        append(stream, Message{{}, EmailDelivered{1}});

        auto r = run_dump("--json --verify", stream);
        CHECK(r.status == 2);  // a signature failed
        auto lines = json_lines(r.out);
        REQUIRE(lines.size() == 4);
        CHECK(lines[0]["type"] == "client_hello");
        CHECK(lines[0]["certificate_chains"][0][0] == to_hex(cert.der.span()));
        CHECK(lines[1]["type"] == "email");
        CHECK(lines[1]["number"] == 1);
        CHECK(lines[1]["signature_method"]["algorithm"] == std::string(name_of(alg)));
        CHECK(lines[1]["recipients"][0] == "bob@b.test");
        CHECK(lines[1]["trace_headers"][0]["name"] == "Received");
        CHECK(lines[1]["message"] == to_hex(Bytes::copy_of(body).span()));
        CHECK(lines[1]["extensions"][0]["type"] == "require_security");
        CHECK(lines[1]["signature_valid"] == true);
        CHECK(lines[2]["signature_valid"] == false);
        CHECK(lines[2]["signature_status"] == "bad_signature");
        CHECK(lines[3]["email"] == 1);
    }
}

TEST_CASE("smtpsec-dump without --verify exits 0 on a well-formed stream") {
    auto cert = testing::make_test_certificate(SignatureAlgorithm::ed25519, "mx.a.test");
    auto key = SigningKey::from_pem(cert.key_pem);
    REQUIRE(key.has_value());
    std::vector<std::uint8_t> stream;
    append(stream, Message{{}, ServerHello{0}});
    append(stream, Message{{}, ClientHello{0, {{cert.der}}}});
    append(stream, Message{{}, signed_email(*key, "Subject: x\r\n\r\nbody\r\n")});
    auto r = run_dump("", stream);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("#0 server_hello (12 bytes)"));
    CHECK_THAT(r.out, Catch::Contains("CN=mx.a.test"));
    CHECK_THAT(r.out, Catch::Contains("| Subject: x"));
}

TEST_CASE("--verify without a ClientHello says so") {
    auto cert = testing::make_test_certificate(SignatureAlgorithm::ed25519, "mx.a.test");
    auto key = SigningKey::from_pem(cert.key_pem);
    REQUIRE(key.has_value());
    std::vector<std::uint8_t> stream;
    append(stream, Message{{}, signed_email(*key, "x\r\n")});
    auto r = run_dump("--verify", stream);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("no_client_hello"));
}

TEST_CASE("malformed Messages are named with their ErrorCode and the stream goes on") {
    std::vector<std::uint8_t> stream;
    append(stream, Message{{}, ServerHello{0}});
    // An Email with an unknown signature algorithm, then a well-formed Message.
    std::vector<std::uint8_t> bad = {0, 0, 0, 0, 0, 0, 0, 18, 3, 0, 0, 0, 0, 0, 0x04, 0x01, 0, 0};
    stream.insert(stream.end(), bad.begin(), bad.end());
    append(stream, Message{{}, EmailDelivered{4}});
    auto r = run_dump("--json", stream);
    CHECK(r.status == 1);
    auto lines = json_lines(r.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[1]["error"] == "insufficient_security");
    CHECK(lines[1]["type"] == "email");
    CHECK_THAT(lines[1]["reason"].get<std::string>(), Catch::Contains("0x0401"));
    CHECK(lines[2]["type"] == "email_delivered");
}

TEST_CASE("oversized, unframeable and truncated streams") {
    std::vector<std::uint8_t> stream;
    append(stream, Message{{}, EmailDelivered{0}});
    auto big = encode(Message{{}, ClientHello{0, {{Bytes(std::vector<std::uint8_t>(200, 1))}}}});
    stream.insert(stream.end(), big.begin(), big.end());
    auto r = run_dump("--json --max-size 100", stream);
    CHECK(r.status == 1);
    auto lines = json_lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1]["error"] == "too_large");

    std::vector<std::uint8_t> tiny = {0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3};
    auto t = run_dump("", tiny);
    CHECK(t.status == 1);
    CHECK_THAT(t.out, Catch::Contains("illegal_message"));

    auto cut = encode(Message{{}, ServerHello{0}});
    cut.pop_back();
    auto c = run_dump("", cut);
    CHECK(c.status == 1);
    CHECK_THAT(c.out, Catch::Contains("ends in the middle of a Message"));
}

TEST_CASE("a missing input file is a usage error") {
    const char* bin = std::getenv("SMTPSEC_DUMP");
    REQUIRE(bin != nullptr);
    int status = std::system((std::string(bin) + " /nonexistent/file 2>/dev/null").c_str());
    CHECK(WEXITSTATUS(status) == 64);
}

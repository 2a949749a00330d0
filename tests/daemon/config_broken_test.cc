// Broken smtpsecd.conf files: each must be refused with the exact
// "FILE:LINE: reason" an operator sees from `smtpsecd -n`.
//
// Every case starts from the same valid file (valid_lines below, whose line
// numbers the expectations use) and changes or appends a few lines.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "config_fixture.h"

using smtpsec::daemon::testing::ConfigDir;
using smtpsec::daemon::testing::problems_of;

namespace {

std::vector<std::string> valid_lines() {
    return {
        "[milter]",                            // 1
        "socket_group = \"\"",                 // 2
        "",                                    // 3
        "[[signing]]",                         // 4
        "domain = \"a.test\"",                 // 5
        "certificate = \"a.test.chain.pem\"",  // 6
        "key = \"a.test.key.pem\"",            // 7
        "",                                    // 8
        "[listener]",                          // 9
        "addresses = []",                      // 10
        "",                                    // 11
        "[queue]",                             // 12
        "directory = \"{dir}/spool\"",         // 13
        "",                                    // 14
        "[dns]",                               // 15
        "trust_anchor = \"root.key\"",         // 16
        "",                                    // 17
        "[daemon]",                            // 18
        "user = \"\"",                         // 19
        "group = \"\"",                        // 20
    };
}

// The valid file with some lines (1-based) replaced and others appended.
std::vector<std::string> edited(const std::map<int, std::string>& replace,
                                const std::vector<std::string>& append = {}) {
    auto lines = valid_lines();
    for (const auto& [number, text] : replace) lines.at(static_cast<std::size_t>(number - 1)) = text;
    lines.insert(lines.end(), append.begin(), append.end());
    return lines;
}

// A directory holding what the valid file names.
struct Fixture {
    ConfigDir dir;
    Fixture() {
        dir.write_identity("a.test");
        dir.write("root.key",
                  ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
    }
    // "FILE:LINE: reason" with {dir} replaced.
    std::string at(int line, std::string reason) const {
        for (auto pos = reason.find("{dir}"); pos != std::string::npos; pos = reason.find("{dir}"))
            reason.replace(pos, 5, dir.path());
        const std::string where = line == 0 ? "" : ":" + std::to_string(line);
        return dir.file("smtpsecd.conf") + where + ": " + reason;
    }
    std::vector<std::string> load(const std::vector<std::string>& lines) const {
        return problems_of(dir.write_config(lines));
    }
};

using Problems = std::vector<std::string>;

}  // namespace

TEST_CASE("the starting file is valid", "[config][broken]") {
    Fixture f;
    CHECK(f.load(valid_lines()).empty());
}

TEST_CASE("a TOML syntax error is reported with toml++'s line and reason", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{2, "socket_group = \"postfix"}})) ==
          Problems{f.at(2,
                        "Error while parsing string: unescaped control characters other than TAB "
                        "(U+0009) are explicitly prohibited")});
    CHECK(f.load(edited({{14, "retry_min 5"}})) ==
          Problems{f.at(14, "Error while parsing key-value pair: expected '=', saw '5'")});
    // A key given twice is a syntax error in TOML.
    CHECK(f.load(edited({{14, "directory = \"/tmp\""}})) ==
          Problems{
              f.at(14, "Error while parsing key-value pair: cannot redefine existing string 'directory'")});
}

TEST_CASE("an unknown key is an error, with a suggestion when one key is close", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[reinject]", "adress = \"127.0.0.1:10026\""})) ==
          Problems{f.at(22, "unknown key \"adress\" in [reinject] (did you mean \"address\"?)")});
    CHECK(f.load(edited({{14, "retry-max = \"4h\""}})) ==
          Problems{f.at(14, "unknown key \"retry-max\" in [queue] (did you mean \"retry_max\"?)")});
    CHECK(f.load(edited({{8, "cert = \"x.pem\""}})) ==
          Problems{f.at(8, "unknown key \"cert\" in [[signing]] (did you mean \"certificate\"?)")});
    CHECK(f.load(edited({{17, "colour = \"blue\""}})) ==
          Problems{f.at(17, "unknown key \"colour\" in [dns]")});
}

TEST_CASE("unknown sections and keys outside any section", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[reinjct]", "address = \"127.0.0.1:10026\""})) ==
          Problems{f.at(21, "unknown section [reinjct] (did you mean [reinject]?)")});
    CHECK(f.load(edited({}, {"[spam]", "score = 5"})) == Problems{f.at(21, "unknown section [spam]")});
    auto lines = valid_lines();
    lines.insert(lines.begin(), "socket = \"local:/run/x.sock\"");
    CHECK(f.load(lines) ==
          Problems{
              f.at(1, "unknown key \"socket\" outside any section (it belongs in [control] or [milter])")});
}

TEST_CASE("a value of the wrong type", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[tls]", "ct_min_scts = \"two\""})) ==
          Problems{f.at(22, "[tls] ct_min_scts: expected an integer, not a string")});
    CHECK(f.load(edited({}, {"[tls]", "connect_timeout = true"})) ==
          Problems{
              f.at(22, "[tls] connect_timeout: expected a duration (a string like \"30s\"), not a boolean")});
    CHECK(f.load(edited({{10, "addresses = \"127.0.0.1:4650\""}})) ==
          Problems{f.at(10, "[listener] addresses: expected an array of strings, not a string")});
    CHECK(f.load(edited({{11, "max_message_size = 1.5"}})) ==
          Problems{f.at(11,
                        "[listener] max_message_size: expected a size (a string like \"64M\"), not a "
                        "number with a fraction")});
    CHECK(f.load(edited({{3, "require_smtpsec_senders = [\"@a.test\", \"boss\"]"}})) ==
          Problems{f.at(3,
                        "[milter] require_smtpsec_senders: \"boss\" is neither an address (user@example.org) "
                        "nor a domain (@example.org)")});
    // A multi-line array (one more line): the line of the offending element.
    CHECK(f.load(edited({{3, "takeover_mailers = [\"smtp\",\n  25]"}})) ==
          Problems{f.at(4, "[milter] takeover_mailers: expected an array of strings, found an integer")});
    auto lines = valid_lines();
    lines.insert(lines.begin(), "log = \"debug\"");
    CHECK(f.load(lines) == Problems{f.at(1, "\"log\" must be a section ([log]), not a string")});
}

TEST_CASE("a bad duration", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{14, "retry_min = \"5 mins\""}})) ==
          Problems{f.at(14,
                        "[queue] retry_min: bad duration \"5 mins\" (expected a number and a unit: ms, s, "
                        "m, h, d or w, e.g. \"30s\", \"5m\", \"4h\", \"5d\")")});
    CHECK(f.load(edited({{14, "lifetime = \"5D\""}})) ==
          Problems{f.at(14,
                        "[queue] lifetime: bad duration \"5D\" (expected a number and a unit: ms, s, "
                        "m, h, d or w, e.g. \"30s\", \"5m\", \"4h\", \"5d\")")});
}

TEST_CASE("a bad size", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{11, "max_message_size = \"64X\""}})) ==
          Problems{f.at(11,
                        "[listener] max_message_size: bad size \"64X\" (expected a number of bytes, "
                        "optionally with K, M or G (powers of 1024), e.g. \"64M\")")});
}

TEST_CASE("a bad socket spec", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{3, "socket = \"tcp:8891\""}})) ==
          Problems{f.at(3,
                        "[milter] socket: bad socket spec \"tcp:8891\" (expected local:/path, unix:/path, "
                        "inet:PORT@HOST or inet6:PORT@HOST)")});
    CHECK(f.load(edited({{3, "socket = \"inet:127.0.0.1:8891\""}})) ==
          Problems{f.at(3,
                        "[milter] socket: bad socket spec \"inet:127.0.0.1:8891\" (a milter listens on "
                        "inet:PORT@HOST, e.g. inet:8891@127.0.0.1; HOST:PORT is how Postfix names it)")});
    CHECK(f.load(edited({{3, "socket_mode = \"0866\""}})) ==
          Problems{f.at(
              3, "[milter] socket_mode: bad mode \"0866\" (expected octal permission bits, e.g. \"0660\")")});
}

TEST_CASE("a missing certificate file", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{6, "certificate = \"missing.pem\""}})) ==
          Problems{f.at(
              6, "[[signing]] certificate: cannot read \"{dir}/missing.pem\": No such file or directory")});
    CHECK(f.load(edited({{7, "key = \"/nonexistent/a.key.pem\""}})) ==
          Problems{
              f.at(7, "[[signing]] key: cannot read \"/nonexistent/a.key.pem\": No such file or directory")});
    CHECK(f.load(edited({{6, "certificate = \"{dir}\""}})) ==
          Problems{f.at(6, "[[signing]] certificate: \"{dir}\" is a directory, not a file")});
}

TEST_CASE("a file of the wrong kind", "[config][broken]") {
    Fixture f;
    // The key where the chain belongs.
    CHECK(f.load(edited({{6, "certificate = \"a.test.key.pem\""}})) ==
          Problems{f.at(6,
                        "[[signing]] certificate: \"{dir}/a.test.key.pem\" is not a usable certificate "
                        "chain: certificate chain: No certificate was found.")});
    // RSA signs TLS handshakes but no SMTPsec Email.
    f.dir.write_rsa_identity("r.test");
    CHECK(f.load(edited({{6, "certificate = \"r.test.chain.pem\""}, {7, "key = \"r.test.key.pem\""}})) ==
          Problems{f.at(7,
                        "[[signing]] key: \"{dir}/r.test.key.pem\" is not a usable signing key: private "
                        "key: type RSA (or its curve) is not an SMTPsec signature algorithm")});
}

TEST_CASE("a key that does not match its certificate", "[config][broken]") {
    Fixture f;
    f.dir.write_identity("b.test", smtpsec::SignatureAlgorithm::ecdsa_secp256r1_sha256);
    CHECK(f.load(edited({{7, "key = \"b.test.key.pem\""}})) ==
          Problems{f.at(7,
                        "[[signing]] key: the key in \"{dir}/b.test.key.pem\" does not belong to the "
                        "certificate in \"{dir}/a.test.chain.pem\" (the private key does not match the "
                        "public key of the chain's leaf certificate)")});
    // The same for the listener's TLS pair, loaded the way GnuTLS serves it.
    f.dir.write_rsa_identity("mx");
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"},
                         {11, "certificate = \"mx.chain.pem\"\nkey = \"b.test.key.pem\""}})) ==
          Problems{f.at(12,
                        "[listener] key: the key in \"{dir}/b.test.key.pem\" does not belong to the "
                        "certificate in \"{dir}/mx.chain.pem\"")});
    // Two Ed25519 keys: GnuTLS 3.7's own pair check lets these through, the
    // key id comparison does not.
    f.dir.write_identity("c.test", smtpsec::SignatureAlgorithm::ed25519);
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"},
                         {11, "certificate = \"a.test.chain.pem\"\nkey = \"c.test.key.pem\""}})) ==
          Problems{f.at(12,
                        "[listener] key: the key in \"{dir}/c.test.key.pem\" does not belong to the "
                        "certificate in \"{dir}/a.test.chain.pem\"")});
    // Ed448 and P-384 likewise.
    f.dir.write_identity("d.test", smtpsec::SignatureAlgorithm::ed448);
    f.dir.write_identity("e.test", smtpsec::SignatureAlgorithm::ed448);
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"},
                         {11, "certificate = \"d.test.chain.pem\"\nkey = \"e.test.key.pem\""}})) ==
          Problems{f.at(12,
                        "[listener] key: the key in \"{dir}/e.test.key.pem\" does not belong to the "
                        "certificate in \"{dir}/d.test.chain.pem\"")});
    f.dir.write_identity("p.test", smtpsec::SignatureAlgorithm::ecdsa_secp384r1_sha384);
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"},
                         {11, "certificate = \"p.test.chain.pem\"\nkey = \"b.test.key.pem\""}})) ==
          Problems{f.at(12,
                        "[listener] key: the key in \"{dir}/b.test.key.pem\" does not belong to the "
                        "certificate in \"{dir}/p.test.chain.pem\"")});
    // A matching Ed25519 pair is still accepted.
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"},
                         {11,
                          "certificate = \"c.test.chain.pem\"\nkey = \"c.test.key.pem\"\n"
                          "authserv_id = \"mx.a.test\""}})) == Problems{});
}

TEST_CASE("a [[signing]] table needs all three keys, one per domain", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{7, ""}})) ==
          Problems{f.at(4, "[[signing]] key: missing (each [[signing]] needs domain, certificate and key)")});
    CHECK(f.load(edited({{5, "domain = \"a..test\""}})) ==
          Problems{f.at(5, "[[signing]] domain: \"a..test\" is not a valid domain name")});
    CHECK(f.load(edited({{4, "[signing]"}})) ==
          Problems{f.at(4, "\"signing\" must be an array of tables ([[signing]]), not a table")});
}

TEST_CASE("a signing domain given twice", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[[signing]]", "domain = \"A.test.\"", "certificate = \"a.test.chain.pem\"",
                             "key = \"a.test.key.pem\""})) ==
          Problems{f.at(22, "[[signing]] domain: \"a.test\" already has a signing identity (line 5)")});
}

TEST_CASE("a bad address", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[reinject]", "address = \"localhost:10026\""})) ==
          Problems{f.at(22,
                        "[reinject] address: bad address \"localhost:10026\" (\"localhost\" is not an IP "
                        "address; host names are not resolved here)")});
    CHECK(f.load(edited({{10, "addresses = [\"0.0.0.0:4650\", \"::4650\"]"}})) ==
          Problems{f.at(10,
                        "[listener] addresses: bad address \"::4650\" (write an IPv6 address in "
                        "brackets: [IPv6]:PORT)")});
    CHECK(f.load(edited({}, {"[dns]"})).size() == 1);  // a second [dns] is a TOML error
    CHECK(f.load(edited({{17, "forwarders = [\"192.0.2.1\", \"resolver.test\"]"}})) ==
          Problems{f.at(17,
                        "[dns] forwarders: bad forwarder \"resolver.test\" (expected IP or IP@PORT, e.g. "
                        "\"192.0.2.53\" or \"::1@5353\")")});
}

TEST_CASE("a missing trust anchor", "[config][broken]") {
    Fixture f;
    CHECK(
        f.load(edited({{16, "trust_anchor = \"nope.key\""}})) ==
        Problems{f.at(16, "[dns] trust_anchor: cannot read \"{dir}/nope.key\": No such file or directory")});
    CHECK(f.load(edited({{16, "trust_anchor = \"\""}})) ==
          Problems{f.at(16,
                        "[dns] trust_anchor: empty, and no unbound_config to provide one: DNSSEC "
                        "validation needs a trust anchor")});
    // An unbound config may provide the anchor instead, but must exist.
    CHECK(f.load(edited({{16, "trust_anchor = \"\""}, {17, "unbound_config = \"unbound.conf\""}})) ==
          Problems{f.at(
              17, "[dns] unbound_config: cannot read \"{dir}/unbound.conf\": No such file or directory")});
    f.dir.write("unbound.conf", "server:\n");
    CHECK(f.load(edited({{16, "trust_anchor = \"\""}, {17, "unbound_config = \"unbound.conf\""}})).empty());
}

TEST_CASE("a value out of range", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{11, "max_connections = 0"}})) ==
          Problems{f.at(11, "[listener] max_connections: 0 is out of range (1 to 1000000)")});
    CHECK(f.load(edited({{14, "retry_min = \"0s\""}})) ==
          Problems{f.at(14, "[queue] retry_min: \"0s\" is out of range (1s to 1d)")});
    CHECK(f.load(edited({{14, "destination_concurrency = 100000"}})) ==
          Problems{f.at(14, "[queue] destination_concurrency: 100000 is out of range (1 to 1000)")});
    CHECK(f.load(edited({{11, "max_message_size = 100"}})) ==
          Problems{f.at(11, "[listener] max_message_size: 100 is out of range (1K to 4G)")});
    CHECK(f.load(edited({}, {"[tls]", "ct_min_scts = 0"})) ==
          Problems{f.at(22, "[tls] ct_min_scts: 0 is out of range (1 to 10)")});
    CHECK(f.load(edited({{14, "retry_max = \"1m\""}})) ==
          Problems{f.at(14, "[queue] retry_max: \"1m\" is below retry_min (\"5m\")")});
    CHECK(f.load(edited({{3, "timeout = \"10s\""}})) ==
          Problems{f.at(3, "[milter] timeout: \"10s\" must be above verdict_wait (\"20s\")")});
    CHECK(f.load(edited({{3, "timeout = \"10m\"\nverdict_wait = \"1h\""}})) ==
          Problems{f.at(4, "[milter] verdict_wait: \"1h\" must be below timeout (\"10m\")")});
    CHECK(f.load(edited({{14, "retry_min = \"5h\""}})) ==
          Problems{f.at(14, "[queue] retry_min: \"5h\" is above retry_max (\"4000s\")")});
}

TEST_CASE("an unknown word where a choice is expected", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{3, "on_dns_error = \"tempfial\""}})) ==
          Problems{f.at(3,
                        "[milter] on_dns_error: \"tempfial\" is not one of tempfail, accept or reject "
                        "(did you mean \"tempfail\"?)")});
    CHECK(f.load(edited({}, {"[log]", "level = \"verbose\""})) ==
          Problems{f.at(22, "[log] level: \"verbose\" is not one of debug, info, notice, warning or error")});
}

TEST_CASE("the listener needs its certificate and key", "[config][broken]") {
    Fixture f;
    const char* why = "required when addresses is not empty (addresses = [] disables the listener)";
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\"]"}})) ==
          Problems{f.at(10, std::string("[listener] certificate: ") + why),
                   f.at(10, std::string("[listener] key: ") + why)});
    CHECK(f.load(edited({{10, "addresses = [\"127.0.0.1:4650\", \"127.0.0.1:4650\"]"}})) ==
          Problems{f.at(10, "[listener] addresses: \"127.0.0.1:4650\" is listed twice")});
    CHECK(f.load(edited({{10, "addresses = [\"[::1]:4650\"]"}, {11, "certificate = \"\"\nkey = \"\""}})) ==
          Problems{f.at(11, std::string("[listener] certificate: ") + why),
                   f.at(12, std::string("[listener] key: ") + why)});
    // A file named for a listener that is off is still checked.
    CHECK(f.load(edited({{11, "certificate = \"gone.pem\""}})) ==
          Problems{
              f.at(11, "[listener] certificate: cannot read \"{dir}/gone.pem\": No such file or directory")});
    // Without a [listener] section the default addresses apply: no line to name.
    CHECK(f.load(edited({{9, ""}, {10, ""}})) ==
          Problems{f.at(0, std::string("[listener] certificate: ") + why),
                   f.at(0, std::string("[listener] key: ") + why)});
}

TEST_CASE("CA file, CT log list, spool, accounts", "[config][broken]") {
    Fixture f;
    f.dir.write("ca.pem", "not a certificate\n");
    CHECK(f.load(edited({}, {"[tls]", "ca_file = \"ca.pem\""})) ==
          Problems{
              f.at(22, "[tls] ca_file: \"{dir}/ca.pem\" is not a PEM CA file: No certificate was found.")});
    f.dir.write("log_list.json", "{\"operators\": [");
    CHECK(f.load(edited({}, {"[tls]", "ct_log_list = \"log_list.json\""})) ==
          Problems{f.at(22,
                        "[tls] ct_log_list: \"{dir}/log_list.json\" is not JSON: parse error at line 1, "
                        "column 16: syntax error while parsing value - unexpected end of input; expected "
                        "'[', '{', or a literal")});
    f.dir.write("log_list.json", "{\"logs\": []}");
    CHECK(f.load(edited({}, {"[tls]", "ct_log_list = \"log_list.json\""})) ==
          Problems{f.at(22,
                        "[tls] ct_log_list: \"{dir}/log_list.json\" has no \"operators\" array (expected a "
                        "CT log list in the log_list.json v3 format)")});
    CHECK(f.load(edited({{13, "directory = \"{dir}/no/spool\""}})) ==
          Problems{f.at(13,
                        "[queue] directory: neither \"{dir}/no/spool\" nor its parent directory "
                        "\"{dir}/no\" exists")});
    CHECK(f.load(edited({{13, "directory = \"root.key\""}})) ==
          Problems{f.at(13, "[queue] directory: \"{dir}/root.key\" is not a directory")});
    CHECK(f.load(edited({{19, "user = \"no-such-user-smtpsec\""}})) ==
          Problems{f.at(19, "[daemon] user: no such user \"no-such-user-smtpsec\"")});
    CHECK(f.load(edited({{2, "socket_group = \"no-such-group-smtpsec\""}})) ==
          Problems{f.at(2, "[milter] socket_group: no such group \"no-such-group-smtpsec\"")});
}

TEST_CASE("a config file that cannot be read", "[config][broken]") {
    Fixture f;
    const std::string missing = f.dir.file("absent.conf");
    CHECK(problems_of(missing) == Problems{missing + ": cannot read: No such file or directory"});
}

TEST_CASE("several problems are reported together, in line order", "[config][broken]") {
    Fixture f;
    const auto problems = f.load(edited(
        {{3, "socket = \"inet:99999\""},
         {6, "certificate = \"missing.pem\""},
         {11, "max_message_size = \"lots\""},
         {14, "retry_mn = \"5m\""},
         {16, "trust_anchor = \"nope.key\""}},
        {"[reinject]", "address = \"127.0.0.1\"", "helo_name = \"mx a.test\"", "[tls]", "ct_min_scts = -1"}));
    CHECK(
        problems ==
        Problems{
            f.at(3,
                 "[milter] socket: bad socket spec \"inet:99999\" (the port must be a number from 1 to "
                 "65535)"),
            f.at(6, "[[signing]] certificate: cannot read \"{dir}/missing.pem\": No such file or directory"),
            f.at(11,
                 "[listener] max_message_size: bad size \"lots\" (expected a number of bytes, optionally "
                 "with K, M or G (powers of 1024), e.g. \"64M\")"),
            f.at(14, "unknown key \"retry_mn\" in [queue] (did you mean \"retry_min\"?)"),
            f.at(16, "[dns] trust_anchor: cannot read \"{dir}/nope.key\": No such file or directory"),
            f.at(22,
                 "[reinject] address: bad address \"127.0.0.1\" (expected IPv4:PORT or [IPv6]:PORT, e.g. "
                 "127.0.0.1:10026 or [::1]:10026)"),
            f.at(23, "[reinject] helo_name: \"mx a.test\" is not a valid domain name"),
            f.at(25, "[tls] ct_min_scts: -1 is out of range (1 to 10)"),
        });
}

TEST_CASE("[listener] accept_domains takes domain names only", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{11, "accept_domains = [\"b.test\", \"[192.0.2.1]\"]"}})).size() == 1);
    CHECK(f.load(edited({{11, "accept_domains = [\"b.test\", \"[192.0.2.1]\"]"}})) ==
          Problems{f.at(11, "[listener] accept_domains: \"[192.0.2.1]\" is not a valid domain name")});
    CHECK(f.load(edited({{11, "accept_domains = [\"B.Test\", \"xn--bcher-kva.example\"]"}})).empty());
}

TEST_CASE("[reinject] inbound_address takes IP:PORT", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[reinject]", "inbound_address = \"localhost:10027\""})) ==
          Problems{
              f.at(22,
                   "[reinject] inbound_address: bad address \"localhost:10027\" (\"localhost\" is not an IP "
                   "address; host names are not resolved here)")});
    CHECK(f.load(edited({}, {"[reinject]", "inbound_address = \"127.0.0.1:10027\""})).empty());
}

TEST_CASE("[reinject] secure_address takes IP:PORT", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({}, {"[reinject]", "secure_address = \"mx.example:10029\""})) ==
          Problems{
              f.at(22,
                   "[reinject] secure_address: bad address \"mx.example:10029\" (\"mx.example\" is not an IP "
                   "address; host names are not resolved here)")});
    CHECK(f.load(edited({}, {"[reinject]", "secure_address = \"127.0.0.1:10029\""})).empty());
}

// Issue 13: the per-source connection limit and the per-connection memory
// budget are checked like every other limit.
TEST_CASE("per-source and memory limits out of range", "[config][broken]") {
    Fixture f;
    CHECK(f.load(edited({{11, "max_connections_per_source = -1"}})) ==
          Problems{f.at(11, "[listener] max_connections_per_source: -1 is out of range (0 to 1000000)")});
    CHECK(f.load(edited({{11, "max_connection_memory = \"64K\""}})) ==
          Problems{f.at(11, "[listener] max_connection_memory: \"64K\" is out of range (1M to 16G)")});
    CHECK(f.load(edited({{11, "max_connections_per_source = 20"}})).empty());
    CHECK(f.load(edited({{11, "max_connection_memory = \"128M\""}})).empty());
}

// The value syntaxes of smtpsecd.conf, each on its own.
#include <catch2/catch.hpp>

#include "daemon/config_values.h"

using namespace smtpsec::daemon;
using namespace std::chrono_literals;

TEST_CASE("durations take a number and a unit", "[config][values]") {
    CHECK(*parse_duration("30s") == 30s);
    CHECK(*parse_duration("5m") == 5min);
    CHECK(*parse_duration("4h") == 4h);
    CHECK(*parse_duration("5d") == 120h);
    CHECK(*parse_duration("1w") == 168h);
    CHECK(*parse_duration("250ms") == 250ms);
    CHECK(*parse_duration("300") == 300s);  // bare number: seconds, as in Postfix
    CHECK(*parse_duration("0s") == 0s);
    for (const char* bad :
         {"", "s", "5 m", " 5m", "5min", "5M", "-5s", "1.5h", "5m30s", "99999999999999999999s", "9999999w"}) {
        INFO(bad);
        auto d = parse_duration(bad);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error() == std::string("bad duration \"") + bad +
                               "\" (expected a number and a unit: ms, s, m, h, d or w, e.g. \"30s\", "
                               "\"5m\", \"4h\", \"5d\")");
    }
}

TEST_CASE("durations print in their shortest exact form", "[config][values]") {
    CHECK(format_duration(300s) == "5m");
    CHECK(format_duration(4000s) == "4000s");
    CHECK(format_duration(120h) == "5d");
    CHECK(format_duration(1500ms) == "1500ms");
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(168h) == "1w");
}

TEST_CASE("sizes take bytes or binary units", "[config][values]") {
    CHECK(*parse_size("1048576") == 1048576u);
    CHECK(*parse_size("64M") == 64u << 20);
    CHECK(*parse_size("10MiB") == 10u << 20);
    CHECK(*parse_size("10mb") == 10u << 20);
    CHECK(*parse_size("512K") == 512u << 10);
    CHECK(*parse_size("1G") == 1ull << 30);
    CHECK(*parse_size("100B") == 100u);
    for (const char* bad : {"", "M", "64X", "64 M", "-1", "1.5M", "18446744073709551615G"}) {
        INFO(bad);
        auto s = parse_size(bad);
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error() == std::string("bad size \"") + bad +
                               "\" (expected a number of bytes, optionally with K, M or G (powers of "
                               "1024), e.g. \"64M\")");
    }
    CHECK(format_size(64u << 20) == "64M");
    CHECK(format_size(1000) == "1000");
    CHECK(format_size(4ull << 30) == "4G");
}

TEST_CASE("milter socket specs in libmilter's syntax", "[config][values]") {
    auto local = parse_milter_socket("local:/run/smtpsecd/milter.sock");
    REQUIRE(local.has_value());
    CHECK(local->kind == MilterSocket::Kind::local);
    CHECK(local->path == "/run/smtpsecd/milter.sock");
    CHECK(local->spec == "local:/run/smtpsecd/milter.sock");

    auto unix_socket = parse_milter_socket("unix:/var/run/m.sock");
    REQUIRE(unix_socket.has_value());
    CHECK(unix_socket->spec == "local:/var/run/m.sock");

    auto inet = parse_milter_socket("inet:8891@127.0.0.1");
    REQUIRE(inet.has_value());
    CHECK(inet->kind == MilterSocket::Kind::inet);
    CHECK(inet->port == 8891);
    CHECK(inet->host == "127.0.0.1");
    CHECK(inet->spec == "inet:8891@127.0.0.1");

    auto any = parse_milter_socket("inet:8891");
    REQUIRE(any.has_value());
    CHECK(any->host.empty());
    CHECK(any->spec == "inet:8891");

    auto named = parse_milter_socket("inet:8891@localhost");
    REQUIRE(named.has_value());
    CHECK(named->host == "localhost");

    auto v6 = parse_milter_socket("inet6:8891@[::1]");
    REQUIRE(v6.has_value());
    CHECK(v6->kind == MilterSocket::Kind::inet6);
    CHECK(v6->host == "::1");
    CHECK(v6->spec == "inet6:8891@::1");

    const std::string hint = "expected local:/path, unix:/path, inet:PORT@HOST or inet6:PORT@HOST";
    CHECK(parse_milter_socket("tcp:8891").error() == "bad socket spec \"tcp:8891\" (" + hint + ")");
    CHECK(parse_milter_socket("/run/x.sock").error() == "bad socket spec \"/run/x.sock\" (" + hint + ")");
    CHECK(parse_milter_socket("local:run/x.sock").error() ==
          "bad socket spec \"local:run/x.sock\" (the socket path must be absolute)");
    CHECK(parse_milter_socket("local:/" + std::string(120, 'a')).error().find("at most 107 bytes") !=
          std::string::npos);
    CHECK(parse_milter_socket("inet:0@127.0.0.1").error() ==
          "bad socket spec \"inet:0@127.0.0.1\" (the port must be a number from 1 to 65535)");
    CHECK(parse_milter_socket("inet:65536").error() ==
          "bad socket spec \"inet:65536\" (the port must be a number from 1 to 65535)");
    CHECK(parse_milter_socket("inet:8891@::1").error() ==
          "bad socket spec \"inet:8891@::1\" (\"::1\" is not an IPv4 address or a host name)");
    CHECK(parse_milter_socket("inet6:8891@127.0.0.1").error() ==
          "bad socket spec \"inet6:8891@127.0.0.1\" (\"127.0.0.1\" is not an IPv6 address or a host name)");
    CHECK(parse_milter_socket("inet:127.0.0.1:8891").error() ==
          "bad socket spec \"inet:127.0.0.1:8891\" (a milter listens on inet:PORT@HOST, e.g. "
          "inet:8891@127.0.0.1; HOST:PORT is how Postfix names it)");
}

TEST_CASE("addresses are IP:PORT with IPv6 in brackets", "[config][values]") {
    auto v4 = parse_host_port("127.0.0.1:10026");
    REQUIRE(v4.has_value());
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 10026);
    CHECK(v4->to_string() == "127.0.0.1:10026");
    auto v6 = parse_host_port("[::]:4650");
    REQUIRE(v6.has_value());
    CHECK(v6->host == "::");
    CHECK(v6->to_string() == "[::]:4650");

    CHECK(parse_host_port("::1:25").error() ==
          "bad address \"::1:25\" (write an IPv6 address in brackets: [IPv6]:PORT)");
    CHECK(parse_host_port("localhost:25").error() ==
          "bad address \"localhost:25\" (\"localhost\" is not an IP address; host names are not resolved "
          "here)");
    CHECK(
        parse_host_port("127.0.0.1").error() ==
        "bad address \"127.0.0.1\" (expected IPv4:PORT or [IPv6]:PORT, e.g. 127.0.0.1:10026 or [::1]:10026)");
    CHECK(parse_host_port("127.0.0.1:0").error() ==
          "bad address \"127.0.0.1:0\" (the port must be a number from 1 to 65535)");
    CHECK(parse_host_port("[127.0.0.1]:25").error() ==
          "bad address \"[127.0.0.1]:25\" (\"127.0.0.1\" is not an IPv6 address)");
    CHECK_FALSE(parse_host_port("[::1]25").has_value());
    CHECK_FALSE(parse_host_port("300.0.0.1:25").has_value());
}

TEST_CASE("forwarders are IP or IP@PORT", "[config][values]") {
    CHECK(*parse_forwarder("192.0.2.53") == "192.0.2.53");
    CHECK(*parse_forwarder("::1@5353") == "::1@5353");
    CHECK(parse_forwarder("dns.example").error() ==
          "bad forwarder \"dns.example\" (expected IP or IP@PORT, e.g. \"192.0.2.53\" or \"::1@5353\")");
    CHECK(parse_forwarder("127.0.0.1@99999").error() ==
          "bad forwarder \"127.0.0.1@99999\" (the port must be a number from 1 to 65535)");
}

TEST_CASE("domains are checked and normalised", "[config][values]") {
    CHECK(*parse_domain("A.Test.") == "a.test");
    CHECK(*parse_domain("xn--bcher-kva.example") == "xn--bcher-kva.example");
    CHECK(*parse_domain("localhost") == "localhost");
    for (const char* bad : {"", ".", "a..test", "-a.test", "a-.test", "a_b.test", "a test", "127.0.0.1"}) {
        INFO(bad);
        CHECK(parse_domain(bad).error() == std::string("\"") + bad + "\" is not a valid domain name");
    }
    CHECK(parse_domain(std::string(64, 'a') + ".test").has_value() == false);
    CHECK(parse_domain("bücher.example").error() ==
          "\"bücher.example\" is not a valid domain name (write international names in their xn-- form)");
    CHECK(*parse_domain_pattern(".Example.org") == ".example.org");
    CHECK(parse_domain_pattern("..x").error() == "\"..x\" is not a valid domain name");
}

TEST_CASE("mail addresses, header names and modes", "[config][values]") {
    CHECK(*parse_mail_address("MAILER-DAEMON@Mx.A.test") == "MAILER-DAEMON@mx.a.test");
    CHECK(parse_mail_address("postmaster").error() ==
          "\"postmaster\" is not a mail address (expected local@domain)");
    CHECK_FALSE(parse_mail_address("a b@c.test").has_value());
    CHECK_FALSE(parse_mail_address("<a@c.test>").has_value());

    CHECK(*parse_header_name("Require-SMTPsec", false) == "Require-SMTPsec");
    CHECK(*parse_header_name("X-*", true) == "X-*");
    CHECK(parse_header_name("X-*", false).error() == "\"X-*\" is not a header field name");
    CHECK(parse_header_name("Bad:Name", true).error() ==
          "\"Bad:Name\" is not a header field name (or a prefix ending in *, like \"X-*\")");
    CHECK_FALSE(parse_header_name("A*B", true).has_value());
    CHECK_FALSE(parse_header_name("", true).has_value());

    CHECK(*parse_octal_mode("0660") == 0660u);
    CHECK(*parse_octal_mode("660") == 0660u);
    CHECK(*parse_octal_mode("0777") == 0777u);
    CHECK(parse_octal_mode("0778").error() ==
          "bad mode \"0778\" (expected octal permission bits, e.g. \"0660\")");
    CHECK_FALSE(parse_octal_mode("01777").has_value());
    CHECK_FALSE(parse_octal_mode("rw-rw----").has_value());
}

TEST_CASE("did you mean: one close word, or none", "[config][values]") {
    const std::vector<std::string> keys = {"address", "helo_name", "connect_timeout", "command_timeout",
                                           "data_timeout"};
    CHECK(closest_word("adress", keys) == "address");
    CHECK(closest_word("Address", keys) == "address");
    CHECK(closest_word("helo-name", keys) == "helo_name");
    CHECK(closest_word("adderss", keys) == "address");  // a swap counts once
    CHECK(closest_word("helo", keys) == "helo_name");   // a prefix of exactly one key
    CHECK(closest_word("data", keys) == "data_timeout");
    CHECK_FALSE(closest_word("c", keys).has_value());
    CHECK_FALSE(closest_word("co", keys).has_value());
    CHECK_FALSE(closest_word("timeout", keys).has_value());  // 5 edits from the nearest
    CHECK_FALSE(closest_word("something_else", keys).has_value());
}

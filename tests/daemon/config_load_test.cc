// Configurations that load: the defaults, every key set, the contrib
// example, and `smtpsecd -n`'s output (check_config_command).
#include <catch2/catch.hpp>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "config_fixture.h"
#include "crypto/test_certificates.h"

using namespace smtpsec::daemon;
using namespace std::chrono_literals;
using smtpsec::daemon::testing::ConfigDir;

namespace {

std::string hostname() {
    std::array<char, 256> name{};
    ::gethostname(name.data(), name.size() - 1);
    return name.data();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Replaces every `from` in `text`; the test fails if there is none, so the
// example cannot drift away from what this test substitutes.
void replace_all(std::string& text, const std::string& from, const std::string& to) {
    INFO("substituting " << from);
    std::size_t count = 0;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
        ++count;
    }
    REQUIRE(count > 0);
}

// The names of the account running the test (an account that surely exists).
std::string current_user() { return ::getpwuid(::getuid())->pw_name; }
std::string current_group() { return ::getgrgid(::getgid())->gr_name; }

const std::vector<std::string> kMinimal = {
    "[milter]",
    "socket_group = \"\"",
    "[[signing]]",
    "domain = \"a.test\"",
    "certificate = \"a.test.chain.pem\"",
    "key = \"a.test.key.pem\"",
    "[listener]",
    "addresses = []",
    "[queue]",
    "directory = \"{dir}/spool\"",
    "[dns]",
    "trust_anchor = \"root.key\"",
    "[daemon]",
    "user = \"\"",
    "group = \"\"",
};

}  // namespace

TEST_CASE("the built-in defaults are the documented ones", "[config][load]") {
    const Config c;
    CHECK(c.milter.socket.kind == MilterSocket::Kind::local);
    CHECK(c.milter.socket.spec == "local:/run/smtpsecd/milter.sock");
    CHECK(c.milter.socket.path == "/run/smtpsecd/milter.sock");
    CHECK(c.milter.socket_mode == 0660u);
    CHECK(c.milter.socket_group == "postfix");
    CHECK(c.milter.never_takeover_domains.empty());
    CHECK(c.milter.takeover_mailers == std::vector<std::string>{"smtp", "relay", "esmtp"});
    CHECK(c.milter.require_smtpsec_header == "Require-SMTPsec");
    CHECK(c.milter.unauthenticated_senders == UnauthenticatedRule::allow);
    CHECK(c.milter.sender_policy_file.empty());
    CHECK(c.milter.on_internal_error == FailureAction::tempfail);
    CHECK(c.milter.on_queue_error == FailureAction::tempfail);
    CHECK(c.milter.on_dns_error == FailureAction::tempfail);
    CHECK(c.milter.timeout == 7210s);
    CHECK(c.milter.verdict_wait == 20s);
    CHECK(c.signing.empty());
    CHECK(c.listener.addresses == std::vector<HostPort>{{"0.0.0.0", 4650}, {"::", 4650}});
    CHECK(c.listener.max_message_size == 64u << 20);
    CHECK(c.listener.max_connections == 1000u);
    CHECK(c.listener.max_emails_per_connection == 1000u);
    CHECK(c.listener.handshake_timeout == 30s);
    CHECK(c.listener.read_timeout == 60s);
    CHECK(c.listener.idle_timeout == 120s);
    CHECK(c.listener.trace_header_whitelist == std::vector<std::string>{"Received", "X-*"});
    CHECK(c.listener.accept_domains.empty());
    CHECK(c.reinject.address == HostPort{"127.0.0.1", 10026});
    CHECK(c.reinject.inbound_address == HostPort{"127.0.0.1", 10027});
    CHECK(c.reinject.secure_address == HostPort{"127.0.0.1", 10029});
    CHECK(c.reinject.connect_timeout == 30s);
    CHECK(c.reinject.command_timeout == 300s);
    CHECK(c.reinject.data_timeout == 600s);
    // Postfix's minimal_backoff_time, maximal_backoff_time, maximal_queue_lifetime.
    CHECK(c.queue.directory == "/var/spool/smtpsec");
    CHECK(c.queue.retry_min == 300s);
    CHECK(c.queue.retry_max == 4000s);
    CHECK(c.queue.lifetime == 120h);
    CHECK(c.queue.delay_warning == 4h);
    CHECK(c.queue.destination_concurrency == 20u);
    CHECK(c.queue.delivery_memory == 64u << 20);
    CHECK(c.queue.postmaster.empty());
    CHECK(c.dns.trust_anchor == "/usr/share/dns/root.key");
    CHECK(c.dns.forwarders.empty());
    CHECK(c.dns.unbound_config.empty());
    CHECK(c.dns.timeout == 10s);
    CHECK(c.tls.ca_file.empty());
    CHECK(c.tls.ct_log_list.empty());
    CHECK(c.tls.ct_min_scts == 2u);
    CHECK(c.tls.connect_timeout == 30s);
    CHECK(c.tls.answer_timeout == 300s);
    CHECK(c.tls.idle_timeout == 5s);
    CHECK(c.log.level == smtpsec::log::Level::info);
    CHECK(c.log.syslog_facility == "mail");
    CHECK(c.log.foreground == ForegroundLog::automatic);
    CHECK(c.daemon.user == "smtpsec");
    CHECK(c.daemon.group == "smtpsec");
    CHECK(c.daemon.pid_file == "/run/smtpsecd/smtpsecd.pid");

    const auto resolver = c.dns.resolver_config();
    CHECK(resolver.trust_anchor_file == "/usr/share/dns/root.key");
    CHECK(resolver.query_timeout == 10s);
}

TEST_CASE("a minimal file keeps every other default and fills in the host name", "[config][load]") {
    ConfigDir dir;
    dir.write_identity("a.test");
    dir.write("root.key", ". IN DS 1 8 2 00\n");
    auto loaded = load_config(dir.write_config(kMinimal));
    REQUIRE(loaded.has_value());
    const Config& c = *loaded;
    const Config defaults;
    CHECK(c.file == dir.file("smtpsecd.conf"));
    CHECK(c.milter.socket.spec == defaults.milter.socket.spec);
    CHECK(c.milter.socket_group.empty());
    CHECK(c.milter.takeover_mailers == defaults.milter.takeover_mailers);
    REQUIRE(c.signing.size() == 1);
    CHECK(c.signing[0].domain == "a.test");
    // Relative paths are resolved against the file's directory.
    CHECK(c.signing[0].certificate == dir.file("a.test.chain.pem"));
    CHECK(c.signing[0].key == dir.file("a.test.key.pem"));
    CHECK(c.listener.addresses.empty());
    CHECK(c.listener.max_message_size == defaults.listener.max_message_size);
    CHECK(c.listener.authserv_id == hostname());
    CHECK(c.reinject.address == defaults.reinject.address);
    CHECK(c.reinject.helo_name == hostname());
    CHECK(c.queue.directory == dir.file("spool"));
    CHECK(c.queue.retry_min == 300s);
    CHECK(c.queue.retry_max == 4000s);
    CHECK(c.queue.lifetime == 120h);
    CHECK(c.queue.bounce_from == "MAILER-DAEMON@" + hostname());
    CHECK(c.dns.trust_anchor == dir.file("root.key"));
    CHECK(c.dns.timeout == 10s);
    CHECK(c.tls.ct_min_scts == 2u);
    CHECK(c.daemon.user.empty());
    CHECK(c.daemon.pid_file == defaults.daemon.pid_file);
    // No CT log list: the daemon is told what that means.
    REQUIRE(c.warnings.size() == 1);
    CHECK(c.warnings[0].to_string() ==
          dir.file("smtpsecd.conf") +
              ": [tls] ct_log_list is not set: only peers whose certificates match "
              "DANE-EE (TLSA 3 x x) records can be authenticated");
}

TEST_CASE("every key can be set", "[config][load]") {
    ConfigDir dir;
    dir.write_identity("a.test");
    dir.write_identity("b.test", smtpsec::SignatureAlgorithm::ecdsa_secp384r1_sha384);
    dir.write_rsa_identity("mx");  // TLS allows RSA
    dir.write("root.key", ". IN DS 1 8 2 00\n");
    dir.write("unbound.conf", "server:\n");
    dir.write("senders", "alice alice@a.test\n");
    dir.write("log_list.json", "{\"version\": \"1\", \"operators\": []}");
    const auto ca = smtpsec::testing::make_test_certificate(smtpsec::SignatureAlgorithm::ed25519, "CA",
                                                            nullptr, true);
    dir.write("ca.pem", ca.cert_pem);
    const std::string user = current_user();
    const std::string group = current_group();
    auto loaded = load_config(dir.write_config({
        "[milter]",
        "socket = \"inet6:8891@::1\"",
        "socket_mode = \"0600\"",
        "socket_group = \"" + group + "\"",
        "never_takeover_domains = [\"Example.org.\", \".lan.test\"]",
        "takeover_mailers = [\"smtp\"]",
        "require_smtpsec_header = \"\"",
        "require_smtpsec_daemons = [\"submission\"]",
        "require_smtpsec_senders = [\"Boss@A.test\", \"@secret.a.test\"]",
        "unauthenticated_senders = \"reject\"",
        "sender_policy_file = \"senders\"",
        "on_internal_error = \"accept\"",
        "on_queue_error = \"reject\"",
        "on_dns_error = \"accept\"",
        "timeout = 600",
        "verdict_wait = \"1m\"",
        "[[signing]]",
        "domain = \"a.test\"",
        "certificate = \"a.test.chain.pem\"",
        "key = \"a.test.key.pem\"",
        "[[signing]]",
        "domain = \"B.Test\"",
        "certificate = \"{dir}/b.test.chain.pem\"",
        "key = \"{dir}/b.test.key.pem\"",
        "[listener]",
        "addresses = [\"127.0.0.1:4650\", \"[::1]:4651\"]",
        "certificate = \"mx.chain.pem\"",
        "key = \"mx.key.pem\"",
        "max_message_size = 1048576",
        "max_connections = 50",
        "max_emails_per_connection = 7",
        "handshake_timeout = \"500ms\"",
        "read_timeout = \"2s\"",
        "idle_timeout = \"3s\"",
        "authserv_id = \"mx.a.test\"",
        "trace_header_whitelist = [\"Received\"]",
        "accept_domains = [\"B.test\", \"c.test.\"]",
        "[reinject]",
        "address = \"[::1]:10027\"",
        "inbound_address = \"127.0.0.1:10029\"",
        "helo_name = \"MX.a.test\"",
        "connect_timeout = \"1s\"",
        "command_timeout = \"2s\"",
        "data_timeout = \"3s\"",
        "[queue]",
        "directory = \"spool\"",
        "retry_min = \"1m\"",
        "retry_max = \"1h\"",
        "lifetime = \"2d\"",
        "delay_warning = \"0s\"",
        "destination_concurrency = 3",
        "delivery_memory = \"16M\"",
        "bounce_from = \"bounces@a.test\"",
        "postmaster = \"postmaster@a.test\"",
        "[dns]",
        "trust_anchor = \"\"",
        "forwarders = [\"127.0.0.1@5353\", \"::1\"]",
        "unbound_config = \"unbound.conf\"",
        "timeout = \"2s\"",
        "[tls]",
        "ca_file = \"ca.pem\"",
        "ct_log_list = \"log_list.json\"",
        "ct_min_scts = 3",
        "connect_timeout = \"4s\"",
        "answer_timeout = \"5s\"",
        "idle_timeout = \"0s\"",
        "[log]",
        "level = \"debug\"",
        "syslog_facility = \"local3\"",
        "foreground = \"syslog\"",
        "[daemon]",
        "user = \"" + user + "\"",
        "group = \"" + group + "\"",
        "pid_file = \"run/smtpsecd.pid\"",
    }));
    if (!loaded) {
        for (const auto& p : loaded.error()) UNSCOPED_INFO(p.to_string());
    }
    REQUIRE(loaded.has_value());
    const Config& c = *loaded;
    CHECK(c.milter.socket.kind == MilterSocket::Kind::inet6);
    CHECK(c.milter.socket.spec == "inet6:8891@::1");
    CHECK(c.milter.socket_mode == 0600u);
    CHECK(c.milter.socket_group == group);
    CHECK(c.milter.never_takeover_domains == std::vector<std::string>{"example.org", ".lan.test"});
    CHECK(c.milter.takeover_mailers == std::vector<std::string>{"smtp"});
    CHECK(c.milter.require_smtpsec_header.empty());
    CHECK(c.milter.require_smtpsec_daemons == std::vector<std::string>{"submission"});
    CHECK(c.milter.require_smtpsec_senders == std::vector<std::string>{"boss@a.test", "@secret.a.test"});
    CHECK(c.milter.unauthenticated_senders == UnauthenticatedRule::reject);
    CHECK(c.milter.sender_policy_file == dir.file("senders"));
    CHECK(c.milter.on_internal_error == FailureAction::accept);
    CHECK(c.milter.on_queue_error == FailureAction::reject);
    CHECK(c.milter.on_dns_error == FailureAction::accept);
    CHECK(c.milter.timeout == 600s);
    CHECK(c.milter.verdict_wait == 60s);
    REQUIRE(c.signing.size() == 2);
    CHECK(c.signing[1].domain == "b.test");
    CHECK(c.signing[1].key == dir.file("b.test.key.pem"));
    CHECK(c.listener.addresses == std::vector<HostPort>{{"127.0.0.1", 4650}, {"::1", 4651}});
    CHECK(c.listener.certificate == dir.file("mx.chain.pem"));
    CHECK(c.listener.max_message_size == 1048576u);
    CHECK(c.listener.max_connections == 50u);
    CHECK(c.listener.max_emails_per_connection == 7u);
    CHECK(c.listener.handshake_timeout == 500ms);
    CHECK(c.listener.read_timeout == 2s);
    CHECK(c.listener.idle_timeout == 3s);
    CHECK(c.listener.authserv_id == "mx.a.test");
    CHECK(c.listener.trace_header_whitelist == std::vector<std::string>{"Received"});
    CHECK(c.listener.accept_domains == std::vector<std::string>{"b.test", "c.test"});
    CHECK(c.reinject.address.to_string() == "[::1]:10027");
    CHECK(c.reinject.inbound_address.to_string() == "127.0.0.1:10029");
    CHECK(c.reinject.helo_name == "mx.a.test");
    CHECK(c.reinject.connect_timeout == 1s);
    CHECK(c.reinject.command_timeout == 2s);
    CHECK(c.reinject.data_timeout == 3s);
    CHECK(c.queue.directory == dir.file("spool"));
    CHECK(c.queue.retry_min == 60s);
    CHECK(c.queue.retry_max == 1h);
    CHECK(c.queue.lifetime == 48h);
    CHECK(c.queue.delay_warning == 0s);
    CHECK(c.queue.destination_concurrency == 3u);
    CHECK(c.queue.delivery_memory == 16u << 20);
    CHECK(c.queue.bounce_from == "bounces@a.test");
    CHECK(c.queue.postmaster == "postmaster@a.test");
    CHECK(c.dns.trust_anchor.empty());
    CHECK(c.dns.forwarders == std::vector<std::string>{"127.0.0.1@5353", "::1"});
    CHECK(c.dns.unbound_config == dir.file("unbound.conf"));
    CHECK(c.dns.timeout == 2s);
    CHECK(c.tls.ca_file == dir.file("ca.pem"));
    CHECK(c.tls.ct_log_list == dir.file("log_list.json"));
    CHECK(c.tls.ct_min_scts == 3u);
    CHECK(c.tls.connect_timeout == 4s);
    CHECK(c.tls.answer_timeout == 5s);
    CHECK(c.tls.idle_timeout == 0s);
    CHECK(c.log.level == smtpsec::log::Level::debug);
    CHECK(c.log.syslog_facility == "local3");
    CHECK(c.log.foreground == ForegroundLog::syslog);
    CHECK(c.daemon.user == user);
    CHECK(c.daemon.group == group);
    CHECK(c.daemon.pid_file == dir.file("run/smtpsecd.pid"));
    // The one thing set here that an operator is warned about: a TCP milter.
    REQUIRE(c.warnings.size() == 1);
    CHECK(
        c.warnings[0].to_string().find(": [milter] socket is TCP: Postfix and Sendmail then wait for a 40 ms "
                                       "delayed ACK") != std::string::npos);
}

TEST_CASE("the contrib example loads once the files it names exist", "[config][load]") {
    // The documented edits themselves are run on the real binary by
    // example_config_test.sh; here: the example's values and defaults.
    ConfigDir dir;
    std::string text = read_text(SMTPSEC_EXAMPLE_CONFIG);
    replace_all(text, "/etc/smtpsec/", dir.path() + "/");
    replace_all(text, "/var/spool/postfix/smtpsecd/", dir.path() + "/");
    replace_all(text, "/usr/share/dns/root.key", dir.file("root.key"));
    replace_all(text, "\"/var/spool/smtpsec\"", "\"" + dir.file("spool") + "\"");
    replace_all(text, "socket_group = \"postfix\"", "socket_group = \"" + current_group() + "\"");
    replace_all(text, "user = \"smtpsec\"", "user = \"" + current_user() + "\"");
    replace_all(text, "group = \"smtpsec\"", "group = \"" + current_group() + "\"");
    dir.write("smtpsecd.conf", text);
    dir.write_identity("mx.example.org", smtpsec::SignatureAlgorithm::ecdsa_secp256r1_sha256);
    dir.write("root.key", ". IN DS 1 8 2 00\n");

    auto loaded = load_config(dir.file("smtpsecd.conf"));
    if (!loaded) {
        for (const auto& p : loaded.error()) UNSCOPED_INFO(p.to_string());
    }
    REQUIRE(loaded.has_value());
    // Only the CT log list the example leaves empty (an operator's choice).
    REQUIRE(loaded->warnings.size() == 1);
    CHECK(loaded->warnings[0].reason.find("[tls] ct_log_list is empty") == 0);
    REQUIRE(loaded->signing.size() == 1);
    CHECK(loaded->signing[0].domain == "example.org");
    CHECK(loaded->listener.addresses.size() == 2);
    CHECK(loaded->listener.authserv_id == "mx.example.org");
    CHECK(loaded->milter.socket.spec == "local:" + dir.file("milter.sock"));
    CHECK(loaded->milter.sender_policy_file.empty());
    CHECK(loaded->tls.ct_log_list.empty());

    // The keys the example leaves at their defaults hold the default values,
    // and nothing names a host the operator did not (helo, bounces).
    const Config defaults;
    CHECK(loaded->milter.never_takeover_domains.empty());
    CHECK(loaded->milter.timeout == defaults.milter.timeout);
    CHECK(loaded->listener.idle_timeout == defaults.listener.idle_timeout);
    CHECK(loaded->reinject.helo_name != "mx.example.org");
    CHECK(loaded->queue.bounce_from.rfind("MAILER-DAEMON@", 0) == 0);
    CHECK(loaded->queue.bounce_from != "MAILER-DAEMON@mx.example.org");
    CHECK(loaded->queue.postmaster.empty());
    CHECK(loaded->queue.retry_min == defaults.queue.retry_min);
    CHECK(loaded->queue.retry_max == defaults.queue.retry_max);
    CHECK(loaded->queue.lifetime == defaults.queue.lifetime);
    CHECK(loaded->queue.delay_warning == defaults.queue.delay_warning);
    CHECK(loaded->reinject.command_timeout == defaults.reinject.command_timeout);
    CHECK(loaded->reinject.data_timeout == defaults.reinject.data_timeout);
    CHECK(loaded->tls.answer_timeout == defaults.tls.answer_timeout);
    CHECK(loaded->log.foreground == defaults.log.foreground);
}

TEST_CASE("smtpsecd -n prints problems or warnings and OK", "[config][load]") {
    ConfigDir dir;
    dir.write_identity("a.test");
    dir.write("root.key", ". IN DS 1 8 2 00\n");

    std::ostringstream ok;
    CHECK(check_config_command(dir.write_config(kMinimal), ok) == 0);
    CHECK(ok.str() == dir.file("smtpsecd.conf") +
                          ": warning: [tls] ct_log_list is not set: only peers whose certificates match "
                          "DANE-EE (TLSA 3 x x) records can be authenticated\n"
                          "configuration OK\n");

    auto broken = kMinimal;
    broken[1] = "socket_grop = \"\"";
    broken[9] = "directory = \"/nonexistent/smtpsec/spool\"";
    std::ostringstream bad;
    CHECK(check_config_command(dir.write_config(broken), bad) == 1);
    const std::string file = dir.file("smtpsecd.conf");
    CHECK(bad.str() ==
          file + ":2: unknown key \"socket_grop\" in [milter] (did you mean \"socket_group\"?)\n" + file +
              ":10: [queue] directory: neither \"/nonexistent/smtpsec/spool\" nor its parent directory "
              "\"/nonexistent/smtpsec\" exists\n");
}

TEST_CASE("warnings for settings that are probably mistakes", "[config][load]") {
    ConfigDir dir;
    dir.write("root.key", ". IN DS 1 8 2 00\n");
    dir.write("log_list.json", "{\"operators\": []}");
    auto loaded = load_config(dir.write_config({
        "[milter]",                         // 1
        "socket_group = \"\"",              // 2
        "takeover_mailers = []",            // 3
        "[listener]",                       // 4
        "addresses = []",                   // 5
        "[queue]",                          // 6
        "directory = \"{dir}\"",            // 7
        "lifetime = \"1d\"",                // 8
        "delay_warning = \"2d\"",           // 9
        "[dns]",                            // 10
        "trust_anchor = \"root.key\"",      // 11
        "[tls]",                            // 12
        "ct_log_list = \"log_list.json\"",  // 13
        "[daemon]",                         // 14
        "user = \"\"",                      // 15
        "group = \"\"",                     // 16
    }));
    REQUIRE(loaded.has_value());
    std::vector<std::string> shown;
    for (const auto& w : loaded->warnings) shown.push_back(w.to_string());
    const std::string file = dir.file("smtpsecd.conf");
    CHECK(shown == std::vector<std::string>{
                       file + ":3: [milter] takeover_mailers is empty: no recipient will ever be taken over",
                       file + ":9: [queue] delay_warning (\"2d\") is not below lifetime (\"1d\"): no delay "
                              "warning will be sent",
                       file + ": no [[signing]] identity: the milter can sign nothing and leaves all mail to "
                              "the MTA",
                   });
}

TEST_CASE("a listener with no accepted domain is warned about", "[config][load]") {
    ConfigDir dir;
    dir.write_identity("a.test");
    dir.write("root.key", ". IN DS 1 8 2 00\n");
    auto config_with = [&](std::vector<std::string> extra) {
        std::vector<std::string> lines = {
            "[listener]",
            "addresses = [\"127.0.0.1:4650\"]",
            "certificate = \"a.test.chain.pem\"",
            "key = \"a.test.key.pem\"",
        };
        lines.insert(lines.end(), extra.begin(), extra.end());
        for (const char* l : {"[queue]", "directory = \"{dir}\"", "[dns]", "trust_anchor = \"root.key\"",
                              "[daemon]", "user = \"\"", "group = \"\"", "[milter]", "socket_group = \"\""})
            lines.emplace_back(l);
        auto loaded = load_config(dir.write_config(lines));
        REQUIRE(loaded.has_value());
        std::vector<std::string> shown;
        for (const auto& w : loaded->warnings) shown.push_back(w.to_string());
        return shown;
    };
    const std::string warning =
        dir.file("smtpsecd.conf") +
        ": the listener accepts no recipient: no [[signing]] domain and no [listener] "
        "accept_domains, so every recipient is answered unknown_address";
    auto without = config_with({});
    CHECK(std::find(without.begin(), without.end(), warning) != without.end());
    auto with = config_with({"accept_domains = [\"b.test\"]"});
    CHECK(std::find(with.begin(), with.end(), warning) == with.end());
}

TEST_CASE("[control] and [milter] mode: defaults, every key, and what is refused or warned about",
          "[config][load]") {
    ConfigDir dir;
    dir.write_identity("a.test");
    dir.write("root.key", ". IN DS 1 8 2 00\n");
    {
        auto loaded = load_config(dir.write_config(kMinimal));
        REQUIRE(loaded.has_value());
        CHECK(loaded->milter.mode == MilterMode::enforce);
        CHECK(loaded->control.socket == "/run/smtpsecd/control.sock");
        CHECK_FALSE(loaded->control.socket_set);
        CHECK(loaded->control.socket_mode == 0660u);
        CHECK(loaded->control.metrics_address.port == 0);  // off
    }
    auto lines = kMinimal;
    lines.insert(lines.begin() + 1, "mode = \"monitor\"");  // line 2, in [milter]
    for (const char* l : {"[control]", "socket = \"{dir}/ctl.sock\"", "socket_mode = \"0600\"",
                          "metrics_address = \"127.0.0.1:9465\"", "metrics_max_connections = 4"})
        lines.push_back(l);
    auto loaded = load_config(dir.write_config(lines));
    REQUIRE(loaded.has_value());
    CHECK(loaded->milter.mode == MilterMode::monitor);
    CHECK(loaded->control.socket == dir.file("ctl.sock"));
    CHECK(loaded->control.socket_set);
    CHECK(loaded->control.socket_mode == 0600u);
    CHECK(loaded->control.metrics_address == HostPort{"127.0.0.1", 9465});
    CHECK(loaded->control.metrics_max_connections == 4u);
    std::vector<std::string> shown;
    for (const auto& w : loaded->warnings) shown.push_back(w.to_string());
    CHECK(std::count(shown.begin(), shown.end(),
                     dir.file("smtpsecd.conf") +
                         ":2: [milter] mode is \"monitor\": nothing is taken over, held or refused; the MTA "
                         "delivers all mail by SMTP and smtpsecd only logs and counts what it would do") ==
          1);

    // A non-loopback endpoint loads (it was asked for) with a warning; bad values are refused.
    auto remote = kMinimal;
    for (const char* l : {"[control]", "metrics_address = \"192.0.2.1:9465\""}) remote.push_back(l);
    loaded = load_config(dir.write_config(remote));
    REQUIRE(loaded.has_value());
    CHECK(std::any_of(loaded->warnings.begin(), loaded->warnings.end(), [](const ConfigProblem& w) {
        return w.reason.find("metrics_address 192.0.2.1:9465 is not a loopback address") != std::string::npos;
    }));
    auto broken = kMinimal;
    broken.insert(broken.begin() + 1, "mode = \"testing\"");
    for (const char* l :
         {"[control]", "socket = \"{dir}/no-such-dir/ctl.sock\"", "metrics_address = \"localhost:9465\""})
        broken.push_back(l);
    const auto problems = testing::problems_of(dir.write_config(broken));
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].find(":2: [milter] mode: ") != std::string::npos);
    CHECK(problems[1].find("[control] socket: the socket's directory") != std::string::npos);
    CHECK(problems[2].find("[control] metrics_address: bad address \"localhost:9465\"") != std::string::npos);
}

// See config_sections.h. The limits here are the ones man/smtpsecd.conf.5 states.
#include "daemon/config_sections.h"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "daemon/config_files.h"
#include "daemon/config_values.h"
#include "wire/ascii.h"

namespace smtpsec::daemon {
namespace {

using namespace std::chrono_literals;
using std::chrono::hours;

constexpr Duration kDay = hours(24);
// Network timeouts: short ones make sense in tests, a day is surely a typo.
constexpr Duration kTimeoutMin = 10ms;
constexpr Duration kTimeoutMax = kDay;

// Runs `check` on a file key that holds a path; reports at the key's line.
template <class Check>
bool check_file(SectionReader& r, std::string_view key, const std::string& path, Check check) {
    if (auto why = check(path)) {
        r.problem(key, *why);
        return false;
    }
    return true;
}

bool check_readable(SectionReader& r, std::string_view key, const std::string& path) {
    return check_file(r, key, path, check_readable_file);
}

Expected<std::string, std::string> parse_mailer(std::string_view text) {
    const bool ok = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 32 || u >= 127;
    });
    if (!ok) return Unexpected{fmt::format("\"{}\" is not a mailer name", text)};
    return std::string(text);
}

Expected<std::string, std::string> parse_optional_header(std::string_view text) {
    if (text.empty()) return std::string();
    return parse_header_name(text, false);
}

Expected<std::string, std::string> parse_optional_address(std::string_view text) {
    if (text.empty()) return std::string();
    return parse_mail_address(text);
}

// RFC 8601 authserv-id: a value; this gateway uses its host name.
Expected<std::string, std::string> parse_authserv_id(std::string_view text) {
    const bool ok = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 32 || u >= 127 || c == ';' || c == '"' || c == '(' || c == ')';
    });
    if (!ok) return Unexpected{fmt::format("\"{}\" is not a valid authserv-id (use the host name)", text)};
    return std::string(text);
}

// "user@example.org" or "@example.org": an envelope sender or a whole domain.
Expected<std::string, std::string> parse_sender_pattern(std::string_view text) {
    const auto at = text.rfind('@');
    const bool ok = at != std::string_view::npos && at + 1 < text.size() &&
                    std::none_of(text.begin(), text.end(), [](char c) {
                        const auto u = static_cast<unsigned char>(c);
                        return u <= 32 || u >= 127 || c == '<' || c == '>';
                    });
    if (!ok)
        return Unexpected{
            fmt::format("\"{}\" is neither an address (user@example.org) nor a domain (@example.org)", text)};
    return wire::ascii_lower(text);
}

// Keys that must be set in every [[signing]] table or when the listener is on.
void require(SectionReader& r, std::string_view key, std::uint32_t line, std::string_view why) {
    r.problem_at(line, fmt::format("{} {}: {}", r.label(), key, why));
}

// 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z): reachable from this host only.
bool is_loopback_address(const std::string& host) {
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

}  // namespace

void read_milter(SectionReader& r, MilterConfig& c, Problems& warnings) {
    if (r.get_choice("mode", c.mode, {{"enforce", MilterMode::enforce}, {"monitor", MilterMode::monitor}}) &&
        c.mode == MilterMode::monitor)
        warnings.add(r.line("mode"),
                     "[milter] mode is \"monitor\": nothing is taken over, held or refused; "
                     "the MTA delivers all mail by SMTP and smtpsecd only logs and counts what it "
                     "would do");
    if (r.get_parsed("socket", c.socket, parse_milter_socket) && c.socket.kind != MilterSocket::Kind::local)
        warnings.add(r.line("socket"),
                     "[milter] socket is TCP: Postfix and Sendmail then wait for a 40 ms delayed ACK per "
                     "message or command (Nagle's algorithm); a local: socket does not");
    if (c.socket.kind == MilterSocket::Kind::local)
        if (auto why = check_socket_directory(c.socket.path))
            r.problem_at(r.has("socket") ? r.line("socket") : r.table_line(), "[milter] socket: " + *why);
    r.get_parsed("socket_mode", c.socket_mode, parse_octal_mode);
    if (r.get_string("socket_group", c.socket_group) && !c.socket_group.empty())
        check_file(r, "socket_group", c.socket_group, check_group);
    r.get_string_list("never_takeover_domains", c.never_takeover_domains, parse_domain_pattern);
    if (r.get_string_list("takeover_mailers", c.takeover_mailers, parse_mailer) && c.takeover_mailers.empty())
        warnings.add(r.line("takeover_mailers"),
                     "[milter] takeover_mailers is empty: no recipient will ever be taken over");
    r.get_string("require_smtpsec_header", c.require_smtpsec_header, parse_optional_header);
    r.get_string_list("require_smtpsec_daemons", c.require_smtpsec_daemons, parse_mailer);
    r.get_string("forward_daemon", c.forward_daemon,
                 [](std::string_view text) -> Expected<std::string, std::string> {
                     if (text.empty()) return std::string();  // off
                     return parse_mailer(text);
                 });
    r.get_string_list("require_smtpsec_senders", c.require_smtpsec_senders, parse_sender_pattern);
    r.get_choice("unauthenticated_senders", c.unauthenticated_senders,
                 {{"allow", UnauthenticatedRule::allow}, {"reject", UnauthenticatedRule::reject}});
    if (r.get_path("sender_policy_file", c.sender_policy_file) && !c.sender_policy_file.empty())
        check_readable(r, "sender_policy_file", c.sender_policy_file);
    for (const char* key : {"on_internal_error", "on_queue_error", "on_dns_error"}) {
        FailureAction& action = std::string_view(key) == "on_internal_error" ? c.on_internal_error
                                : std::string_view(key) == "on_queue_error"  ? c.on_queue_error
                                                                             : c.on_dns_error;
        r.get_choice(key, action,
                     {{"tempfail", FailureAction::tempfail},
                      {"accept", FailureAction::accept},
                      {"reject", FailureAction::reject}});
    }
    const bool timeout_ok = r.get_duration("timeout", c.timeout, 1s, kDay) || !r.has("timeout");
    const bool wait_ok = r.get_duration("verdict_wait", c.verdict_wait, 1s, hours(1)) ||
                         !r.has("verdict_wait");
    if (timeout_ok && wait_ok && c.verdict_wait >= c.timeout) {
        if (r.has("verdict_wait"))
            r.problem("verdict_wait",
                      fmt::format("\"{}\" must be below timeout (\"{}\")", format_duration(c.verdict_wait),
                                  format_duration(c.timeout)));
        else
            r.problem("timeout", fmt::format("\"{}\" must be above verdict_wait (\"{}\")",
                                             format_duration(c.timeout), format_duration(c.verdict_wait)));
    }
}

bool read_signing(SectionReader& r, SigningConfig& c, Problems& warnings) {
    bool ok = true;
    for (const char* key : {"domain", "certificate", "key"}) {
        if (!r.has(key)) {
            require(r, key, r.table_line(), "missing (each [[signing]] needs domain, certificate and key)");
            ok = false;
        }
    }
    ok = r.get_string("domain", c.domain, parse_domain) && ok;
    const bool have_chain = r.get_path("certificate", c.certificate) &&
                            check_readable(r, "certificate", c.certificate) &&
                            check_file(r, "certificate", c.certificate, check_certificate_chain);
    const bool have_key = r.get_path("key", c.key) && check_readable(r, "key", c.key) &&
                          check_file(r, "key", c.key, check_signing_key);
    if (have_key)
        if (auto exposed = private_key_exposed(c.key))
            warnings.add(r.line("key"), "[[signing]] key: " + *exposed);
    if (have_chain && have_key)
        return check_file(r, "key", c.key,
                          [&](const std::string& key) { return check_signing_pair(c.certificate, key); }) &&
               ok;
    return false;
}

void read_listener(SectionReader& r, ListenerConfig& c, const ReadContext& ctx, Problems& warnings) {
    std::vector<std::string> addresses;
    bool addresses_ok = true;
    if (r.get_string_list("addresses", addresses,
                          [](std::string_view text) -> Expected<std::string, std::string> {
                              auto hp = parse_host_port(text);
                              if (!hp) return Unexpected{hp.error()};
                              return hp->to_string();
                          })) {
        c.addresses.clear();
        for (const auto& text : addresses) {
            HostPort hp = *parse_host_port(text);
            if (std::find(c.addresses.begin(), c.addresses.end(), hp) != c.addresses.end()) {
                r.problem("addresses", fmt::format("\"{}\" is listed twice", text));
                addresses_ok = false;
            }
            c.addresses.push_back(std::move(hp));
        }
    } else if (r.has("addresses")) {
        addresses_ok = false;
    }
    const bool chain_read = r.get_path("certificate", c.certificate);
    const bool key_read = r.get_path("key", c.key);
    if (addresses_ok && !c.addresses.empty()) {
        const std::uint32_t line = r.has("addresses") ? r.line("addresses") : r.table_line();
        constexpr const char* why =
            "required when addresses is not empty (addresses = [] disables the listener)";
        if (!r.has("certificate")) require(r, "certificate", line, why);
        if (chain_read && c.certificate.empty()) r.problem("certificate", why);
        if (!r.has("key")) require(r, "key", line, why);
        if (key_read && c.key.empty()) r.problem("key", why);
    }
    const bool have_chain = chain_read && !c.certificate.empty();
    const bool have_key = key_read && !c.key.empty();
    // Named files are checked even with the listener off: they are meant for it.
    const bool chain_ok = have_chain && check_readable(r, "certificate", c.certificate) &&
                          check_file(r, "certificate", c.certificate, check_tls_certificate);
    const bool key_ok = have_key && check_readable(r, "key", c.key);
    if (key_ok)
        if (auto exposed = private_key_exposed(c.key))
            warnings.add(r.line("key"), "[listener] key: " + *exposed);
    if (chain_ok && key_ok)
        check_file(r, "key", c.key,
                   [&](const std::string& key) { return check_tls_pair(c.certificate, key); });
    r.get_size("max_message_size", c.max_message_size, 1024, std::uint64_t{4} << 30);
    r.get_int("max_connections", c.max_connections, 1, 1'000'000);
    r.get_int("max_connections_per_source", c.max_connections_per_source, 0, 1'000'000);
    r.get_size("max_connection_memory", c.max_connection_memory, std::uint64_t{1} << 20,
               std::uint64_t{16} << 30);
    r.get_int("max_emails_per_connection", c.max_emails_per_connection, 1, 1'000'000);
    r.get_duration("handshake_timeout", c.handshake_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("read_timeout", c.read_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("idle_timeout", c.idle_timeout, kTimeoutMin, kTimeoutMax);
    r.get_string("authserv_id", c.authserv_id, parse_authserv_id);
    if (c.authserv_id.empty()) c.authserv_id = ctx.hostname;
    r.get_string_list("trace_header_whitelist", c.trace_header_whitelist,
                      [](std::string_view text) { return parse_header_name(text, true); });
    r.get_string_list("accept_domains", c.accept_domains, parse_domain);
    // Its lines are checked by inbound_authorisation() (smtpsecd -n, start, reload).
    if (r.get_path("authorisation_file", c.authorisation_file) && !c.authorisation_file.empty())
        check_readable(r, "authorisation_file", c.authorisation_file);
}

void read_reinject(SectionReader& r, ReinjectConfig& c, const ReadContext& ctx) {
    r.get_parsed("address", c.address, parse_host_port);
    r.get_parsed("inbound_address", c.inbound_address, parse_host_port);
    r.get_parsed("secure_address", c.secure_address, parse_host_port);
    r.get_string("helo_name", c.helo_name, parse_domain);
    if (c.helo_name.empty()) c.helo_name = ctx.hostname;
    r.get_duration("connect_timeout", c.connect_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("command_timeout", c.command_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("data_timeout", c.data_timeout, kTimeoutMin, kTimeoutMax);
}

void read_queue(SectionReader& r, QueueConfig& c, const ReadContext& ctx, Problems& warnings) {
    if (r.get_path("directory", c.directory)) {
        if (c.directory.empty())
            r.problem("directory", "must not be empty");
        else
            check_file(r, "directory", c.directory, check_directory_or_parent);
    }
    const bool min_ok = r.get_duration("retry_min", c.retry_min, 1s, kDay) || !r.has("retry_min");
    const bool max_ok = r.get_duration("retry_max", c.retry_max, 1s, 7 * kDay) || !r.has("retry_max");
    if (min_ok && max_ok && c.retry_max < c.retry_min) {
        if (r.has("retry_max"))
            r.problem("retry_max", fmt::format("\"{}\" is below retry_min (\"{}\")",
                                               format_duration(c.retry_max), format_duration(c.retry_min)));
        else
            r.problem("retry_min", fmt::format("\"{}\" is above retry_max (\"{}\")",
                                               format_duration(c.retry_min), format_duration(c.retry_max)));
    }
    r.get_duration("lifetime", c.lifetime, 0s, 100 * kDay);
    r.get_duration("delay_warning", c.delay_warning, 0s, 100 * kDay);
    if (c.delay_warning.count() > 0 && c.delay_warning >= c.lifetime)
        warnings.add(r.line("delay_warning"),
                     fmt::format("[queue] delay_warning (\"{}\") is not below lifetime (\"{}\"): "
                                 "no delay warning will be sent",
                                 format_duration(c.delay_warning), format_duration(c.lifetime)));
    r.get_int("destination_concurrency", c.destination_concurrency, 1, 1000);
    r.get_size("delivery_memory", c.delivery_memory, std::uint64_t{1} << 20, std::uint64_t{64} << 30);
    r.get_string("bounce_from", c.bounce_from, parse_optional_address);
    if (c.bounce_from.empty()) c.bounce_from = "MAILER-DAEMON@" + ctx.hostname;
    r.get_string("postmaster", c.postmaster, parse_optional_address);
    r.get_duration("forward_max_age", c.forward_max_age, 1h, 100 * kDay);
    r.get_size("forward_max_bytes", c.forward_max_bytes, std::uint64_t{1} << 20, std::uint64_t{1} << 40);
}

void read_dns(SectionReader& r, DnsConfig& c) {
    const bool anchor_read = r.get_path("trust_anchor", c.trust_anchor);
    r.get_string_list("forwarders", c.forwarders, parse_forwarder);
    const bool unbound_read = r.get_path("unbound_config", c.unbound_config);
    r.get_duration("timeout", c.timeout, 100ms, std::chrono::minutes(5));
    if (anchor_read && !c.trust_anchor.empty()) check_readable(r, "trust_anchor", c.trust_anchor);
    if (unbound_read && !c.unbound_config.empty()) check_readable(r, "unbound_config", c.unbound_config);
    if (c.trust_anchor.empty() && c.unbound_config.empty())
        r.problem("trust_anchor",
                  "empty, and no unbound_config to provide one: "
                  "DNSSEC validation needs a trust anchor");
}

void read_tls(SectionReader& r, TlsConfig& c, Problems& warnings) {
    if (r.get_path("ca_file", c.ca_file) && !c.ca_file.empty() && check_readable(r, "ca_file", c.ca_file))
        check_file(r, "ca_file", c.ca_file, check_ca_file);
    if (r.get_path("ct_log_list", c.ct_log_list) && !c.ct_log_list.empty() &&
        check_readable(r, "ct_log_list", c.ct_log_list))
        check_file(r, "ct_log_list", c.ct_log_list, check_ct_log_list);
    if (c.ct_log_list.empty() && !r.has("ct_log_list"))
        warnings.add(r.table_line(),
                     "[tls] ct_log_list is not set: only peers whose certificates match "
                     "DANE-EE (TLSA 3 x x) records can be authenticated");
    else if (c.ct_log_list.empty())
        warnings.add(r.line("ct_log_list"),
                     "[tls] ct_log_list is empty: only peers whose certificates "
                     "match DANE-EE (TLSA 3 x x) records can be authenticated");
    r.get_int("ct_min_scts", c.ct_min_scts, 1, 10);
    r.get_duration("ct_log_list_warn_age", c.ct_log_list_warn_age, kDay, 3650 * kDay);
    r.get_duration("connect_timeout", c.connect_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("answer_timeout", c.answer_timeout, kTimeoutMin, kTimeoutMax);
    r.get_duration("idle_timeout", c.idle_timeout, 0s, hours(1));
}

void read_log(SectionReader& r, LogConfig& c) {
    r.get_choice("level", c.level,
                 {{"debug", log::Level::debug},
                  {"info", log::Level::info},
                  {"notice", log::Level::notice},
                  {"warning", log::Level::warning},
                  {"error", log::Level::error}});
    // The facilities log::use_syslog knows.
    std::string facility;
    if (r.get_choice("syslog_facility", facility,
                     {{"mail", std::string("mail")},
                      {"daemon", std::string("daemon")},
                      {"user", std::string("user")},
                      {"local0", std::string("local0")},
                      {"local1", std::string("local1")},
                      {"local2", std::string("local2")},
                      {"local3", std::string("local3")},
                      {"local4", std::string("local4")},
                      {"local5", std::string("local5")},
                      {"local6", std::string("local6")},
                      {"local7", std::string("local7")}}))
        c.syslog_facility = facility;
    r.get_choice("foreground", c.foreground,
                 {{"auto", ForegroundLog::automatic},
                  {"stderr", ForegroundLog::stderr_stream},
                  {"syslog", ForegroundLog::syslog}});
}

void read_daemon(SectionReader& r, DaemonConfig& c) {
    if (r.get_string("user", c.user) && !c.user.empty()) check_file(r, "user", c.user, check_user);
    if (r.get_string("group", c.group) && !c.group.empty()) check_file(r, "group", c.group, check_group);
    r.get_path("pid_file", c.pid_file);
}

void read_control(SectionReader& r, ControlConfig& c, Problems& warnings) {
    if (r.get_path("socket", c.socket)) {
        c.socket_set = true;
        if (!c.socket.empty())
            if (auto why = check_socket_directory(c.socket)) r.problem("socket", *why);
    }
    r.get_parsed("socket_mode", c.socket_mode, parse_octal_mode);
    if (r.get_string("socket_group", c.socket_group) && !c.socket_group.empty())
        check_file(r, "socket_group", c.socket_group, check_group);
    if (r.get_parsed("metrics_address", c.metrics_address, parse_host_port) && c.metrics_address.port == 0)
        r.problem("metrics_address", "port 0: leave metrics_address out to turn the endpoint off");
    else if (c.metrics_address.port != 0 && !is_loopback_address(c.metrics_address.host))
        warnings.add(
            r.line("metrics_address"),
            fmt::format("[control] metrics_address {} is not a loopback address: anyone who can reach "
                        "it reads the gateway's counters (restrict it with a firewall)",
                        c.metrics_address.to_string()));
    r.get_int("metrics_max_connections", c.metrics_max_connections, 1, 1000);
}

}  // namespace smtpsec::daemon

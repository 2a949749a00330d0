// The daemon's configuration: /etc/smtpsec/smtpsecd.conf (TOML), documented
// in man/smtpsecd.conf.5.
//
// Why it exists: operators judge a milter by how it treats its config file.
// Every key is checked (types, ranges, syntax of durations, sizes, sockets and
// addresses) and so is every file it names (readable, the right kind, keys
// matching certificates), and all problems are reported at once as
// "FILE:LINE: reason", so `smtpsecd -n` finds a whole day's typos in one run
// and a bad file never starts (or, on SIGHUP, replaces) a working daemon.
// Config is a plain struct: the daemon copies what each layer needs from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "dns/config.h"
#include "log/log.h"
#include "smtpsec/expected.h"

namespace smtpsec::daemon {

using Duration = std::chrono::milliseconds;

inline constexpr const char* kDefaultConfigPath = "/etc/smtpsec/smtpsecd.conf";

// OpenDKIM's On-* reactions: what the milter answers the MTA.
enum class FailureAction { tempfail, accept, reject };
// What happens to mail without a SASL login when a sender policy exists.
enum class UnauthenticatedRule { allow, reject };
// Where log lines go when smtpsecd runs in the foreground (-f): automatic is
// syslog when stderr is the journal (systemd), else stderr.
enum class ForegroundLog { automatic, stderr_stream, syslog };
// [milter] mode: enforce acts; monitor only logs and counts (milter/monitor.h).
enum class MilterMode { enforce, monitor };

std::string_view name_of(FailureAction action);
std::string_view name_of(UnauthenticatedRule rule);

// An IP address and a port. `host` has no brackets ("::1").
struct HostPort {
    std::string host;
    std::uint16_t port = 0;

    std::string to_string() const;  // "127.0.0.1:25", "[::1]:25"
    bool operator==(const HostPort&) const = default;
};

// Where the milter listens, in the socket syntax of libmilter/OpenDKIM.
struct MilterSocket {
    enum class Kind { local, inet, inet6 };
    Kind kind = Kind::local;
    std::string path;  // local: absolute path of the Unix socket
    std::string host;  // inet, inet6: IP address or host name, empty = any address
    std::uint16_t port = 0;
    // What smfi_setconn() takes: "local:/run/...", "inet:8891@127.0.0.1",
    // "inet6:8891@::1" ("unix:" is written as "local:").
    std::string spec;
};

struct MilterConfig {
    MilterMode mode = MilterMode::enforce;
    MilterSocket socket{MilterSocket::Kind::local, "/run/smtpsecd/milter.sock", "", 0,
                        "local:/run/smtpsecd/milter.sock"};
    unsigned socket_mode = 0660;           // of a local socket
    std::string socket_group = "postfix";  // of a local socket; empty: the daemon's group
    // Recipient domains never taken over: "example.org" matches exactly that
    // domain, ".example.org" every subdomain of it. Lowercase, no final dot.
    std::vector<std::string> never_takeover_domains;
    // {rcpt_mailer} values whose recipients are candidates for SMTPsec.
    std::vector<std::string> takeover_mailers = {"smtp", "relay", "esmtp"};
    // The header field asking for SMTPsec-only delivery (removed by the
    // milter); empty: not recognised.
    std::string require_smtpsec_header = "Require-SMTPsec";
    // {daemon_name} values of MTA listeners whose mail always requires SMTPsec
    // (e.g. a dedicated submission port).
    std::vector<std::string> require_smtpsec_daemons;
    // The {daemon_name} of the forward service (docs/forwarding.md,
    // contrib/postfix/master.cf.snippet): inbound SMTPsec mail is recorded
    // and marked, and a marked copy coming back on that service is sent on
    // with its origin's signature. Empty: off.
    std::string forward_daemon;
    // Envelope senders ("a@example.org") or whole sender domains
    // ("@example.org") whose mail always requires SMTPsec. Lowercase.
    std::vector<std::string> require_smtpsec_senders;
    UnauthenticatedRule unauthenticated_senders = UnauthenticatedRule::allow;
    std::string sender_policy_file;  // empty: no sender policy
    FailureAction on_internal_error = FailureAction::tempfail;
    FailureAction on_queue_error = FailureAction::tempfail;
    FailureAction on_dns_error = FailureAction::tempfail;
    // libmilter's I/O timeout with the MTA (smfi_settimeout).
    Duration timeout = std::chrono::seconds(7210);
    // How long end-of-message waits for discovery still in progress; a
    // domain without a verdict by then counts as "defer" (queued, retried).
    Duration verdict_wait = std::chrono::seconds(20);
};

struct SigningConfig {
    std::string domain;       // lowercase, no final dot
    std::string certificate;  // PEM chain, leaf first
    std::string key;          // PEM private key matching the leaf
};

struct ListenerConfig {
    // Empty: no listener (send-only gateway).
    std::vector<HostPort> addresses = {{"0.0.0.0", 4650}, {"::", 4650}};
    std::string certificate;  // required when addresses is not empty
    std::string key;
    std::uint64_t max_message_size = std::uint64_t{64} << 20;  // docs/decisions.md point 18
    std::uint32_t max_connections = 1000;
    // Per IPv4 address or IPv6 /64 (D7); 0: a tenth of max_connections, at least 1.
    std::uint32_t max_connections_per_source = 0;
    // What one connection may hold before it stops reading (issue 13).
    std::uint64_t max_connection_memory = std::uint64_t{64} << 20;
    std::uint32_t max_emails_per_connection = 1000;
    Duration handshake_timeout = std::chrono::seconds(30);
    Duration read_timeout = std::chrono::seconds(60);
    Duration idle_timeout = std::chrono::seconds(120);
    // Authentication-Results and Received name; load_config fills in the host
    // name when the file leaves it out.
    std::string authserv_id;
    std::vector<std::string> trace_header_whitelist = {"Received", "X-*"};  // point 14
    // Recipient domains the listener delivers besides those of [[signing]]
    // (inbound/recipient_policy.h): lowercase A-labels, no final dot.
    std::vector<std::string> accept_domains;
    // Which senders may write to which recipients (inbound/sender_authorisation.h);
    // empty: every sender may. Read again at every reload.
    std::string authorisation_file;
};

struct ReinjectConfig {
    HostPort address{"127.0.0.1", 10026};  // the MTA's smtpd without milters: mail handed back, DSNs
    // Where the listener re-injects received SMTPsec mail: an smtpd that
    // does not relay (contrib/postfix/master.cf.snippet), so that a recipient
    // the listener wrongly let through still goes nowhere (issue 13).
    HostPort inbound_address{"127.0.0.1", 10027};
    // Where mail that requires security (require_security = 0, REQUIRETLS)
    // goes back to the MTA for recipients without SMTPsec: an smtpd whose
    // transport delivers only over verified TLS (contrib/postfix/master.cf.snippet).
    HostPort secure_address{"127.0.0.1", 10029};
    std::string helo_name;                                 // load_config fills in the host name
    Duration connect_timeout = std::chrono::seconds(30);   // Postfix smtp_connect_timeout
    Duration command_timeout = std::chrono::seconds(300);  // smtp_helo/mail/rcpt_timeout
    Duration data_timeout = std::chrono::seconds(600);     // smtp_data_done_timeout
};

struct QueueConfig {
    std::string directory = "/var/spool/smtpsec";
    Duration retry_min = std::chrono::seconds(300);           // Postfix minimal_backoff_time
    Duration retry_max = std::chrono::seconds(4000);          // maximal_backoff_time
    Duration lifetime = std::chrono::hours(24 * 5);           // maximal_queue_lifetime
    Duration delay_warning = std::chrono::hours(4);           // 0: no delay warnings
    std::uint32_t destination_concurrency = 20;               // default_destination_concurrency_limit
    std::uint64_t delivery_memory = std::uint64_t{64} << 20;  // message bytes in flight, all domains
    // From: of delivery status notifications; load_config fills in
    // "MAILER-DAEMON@<host name>".
    std::string bounce_from;
    // The forward store (docs/forwarding.md): records older than this are
    // removed; past this many bytes no record is made.
    Duration forward_max_age = std::chrono::hours(24 * 5);
    std::uint64_t forward_max_bytes = std::uint64_t{1} << 30;
    // Gets failures of mail that had no envelope sender (undeliverable
    // bounces); empty: they are only logged (Postfix's default).
    std::string postmaster;
};

struct DnsConfig {
    std::string trust_anchor = "/usr/share/dns/root.key";  // empty: unbound_config provides one
    std::vector<std::string> forwarders;                   // "IP" or "IP@PORT"; empty: full recursion
    std::string unbound_config;                            // empty: none
    Duration timeout = std::chrono::seconds(10);

    dns::ResolverConfig resolver_config() const {
        return dns::ResolverConfig{trust_anchor, forwarders, unbound_config, timeout};
    }
};

struct TlsConfig {
    std::string ca_file;      // empty: the system's trust store
    std::string ct_log_list;  // empty: only DANE-EE peers can be authenticated
    std::uint32_t ct_min_scts = 2;
    // Start-up, reload and -n warn when the list is older than this
    // (daemon/trust_age.h); smtpsec-ctlog-update keeps it younger.
    Duration ct_log_list_warn_age = std::chrono::days(30);
    Duration connect_timeout = std::chrono::seconds(30);  // TCP + TLS + ServerHello
    Duration answer_timeout = std::chrono::seconds(300);  // silence while Emails are unanswered
    Duration idle_timeout = std::chrono::seconds(5);      // an unused connection kept for reuse
};

struct LogConfig {
    log::Level level = log::Level::info;
    std::string syslog_facility = "mail";
    ForegroundLog foreground = ForegroundLog::automatic;
};

// [control]: the socket smtpsec-ctl talks to and the Prometheus endpoint
// (issue 18; man/smtpsec-ctl.8).
struct ControlConfig {
    // A Unix socket; empty: none. The default's directory is made by
    // systemd (RuntimeDirectory); when it is missing and the key was not
    // written, smtpsecd starts without the socket and says so.
    std::string socket = "/run/smtpsecd/control.sock";
    bool socket_set = false;      // written in the file: failing to bind it stops the start
    unsigned socket_mode = 0660;  // root and the group only, like unbound-control's
    std::string socket_group;     // empty: the daemon's group
    // Plain HTTP GET /metrics (Prometheus text format); port 0: off.
    HostPort metrics_address{"", 0};
    std::uint32_t metrics_max_connections = 8;
};

struct DaemonConfig {
    std::string user = "smtpsec";                         // empty: keep the user smtpsecd was started as
    std::string group = "smtpsec";                        // empty: the user's primary group
    std::string pid_file = "/run/smtpsecd/smtpsecd.pid";  // empty: none
};

// One problem found in the file. line 0: not tied to a line (the file itself
// cannot be read, or a required setting is missing from every line).
struct ConfigProblem {
    std::string file;
    std::uint32_t line = 0;
    std::string reason;

    std::string to_string() const;  // "FILE:LINE: reason", or "FILE: reason" for line 0
    bool operator==(const ConfigProblem&) const = default;
};

struct Config {
    std::string file;  // the path it was loaded from
    MilterConfig milter;
    std::vector<SigningConfig> signing;
    ListenerConfig listener;
    ReinjectConfig reinject;
    QueueConfig queue;
    DnsConfig dns;
    TlsConfig tls;
    LogConfig log;
    ControlConfig control;
    DaemonConfig daemon;
    // Settings that load but are probably not what the operator wants
    // (no CT log list, no signing identity, ...): the daemon logs them.
    std::vector<ConfigProblem> warnings;
};

// Reads and checks `path` and every file it names. Relative paths inside it
// are taken relative to the file's directory and stored absolute. All
// problems are returned, ordered by line.
Expected<Config, std::vector<ConfigProblem>> load_config(const std::string& path);

// `smtpsecd -n`: prints each problem as "file:line: reason" and returns 1, or
// prints the warnings ("file:line: warning: reason") and "configuration OK"
// and returns 0. `deeper` (if set) builds, from a config that loaded, what a
// start or reload builds beyond load_config (the daemon's trust policy), and
// returns its problems: -n then refuses what a reload would refuse.
using DeeperCheck = std::function<std::vector<ConfigProblem>(const Config&)>;
int check_config_command(const std::string& path, std::ostream& out, const DeeperCheck& deeper = {});

}  // namespace smtpsec::daemon

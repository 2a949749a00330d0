// The value syntaxes of smtpsecd.conf: durations, sizes, socket specs,
// addresses, domains, header names, octal modes; and "did you mean".
//
// Why it exists: each syntax is parsed in one place, with the reason an
// operator needs when it is wrong, and tested on its own. Errors are the
// reason only ("bad duration ..."): the loader adds file, line and key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"

namespace smtpsec::daemon {

// "30s", "5m", "4h", "5d", "1w", "500ms"; a bare number is seconds.
Expected<Duration, std::string> parse_duration(std::string_view text);
// The shortest exact form: "300s" -> "5m", 4000 s -> "4000s", 0 -> "0s".
std::string format_duration(Duration d);

// "1048576", "64M", "64MiB", "10MB", "512K", "1G": binary units (K = 1024).
Expected<std::uint64_t, std::string> parse_size(std::string_view text);
std::string format_size(std::uint64_t bytes);  // "64M", "1000" ...

// local:/path, unix:/path, inet:PORT[@HOST], inet6:PORT[@HOST].
Expected<MilterSocket, std::string> parse_milter_socket(std::string_view text);

// "IPv4:PORT" or "[IPv6]:PORT" (IP addresses only: nothing is resolved).
Expected<HostPort, std::string> parse_host_port(std::string_view text);

// An unbound forwarder: "IP" or "IP@PORT".
Expected<std::string, std::string> parse_forwarder(std::string_view text);

// A host name in ASCII (A-labels for international names), returned
// lowercase without a final dot.
Expected<std::string, std::string> parse_domain(std::string_view text);
// A domain, or ".domain" for its subdomains (never_takeover_domains).
Expected<std::string, std::string> parse_domain_pattern(std::string_view text);

// local@domain (ASCII).
Expected<std::string, std::string> parse_mail_address(std::string_view text);

// A header field name (RFC 5322 ftext); with `allow_wildcard`, also a
// prefix ending in "*" ("X-*").
Expected<std::string, std::string> parse_header_name(std::string_view text, bool allow_wildcard);

// "0660": octal permission bits, at most 0777.
Expected<unsigned, std::string> parse_octal_mode(std::string_view text);

// A known word close to `word` (a typo, another case, a prefix, '-' for
// '_'), if exactly one is closest.
std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& known);

}  // namespace smtpsec::daemon

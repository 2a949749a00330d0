// See config_values.h.
#include "daemon/config_values.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

#include "wire/ascii.h"

namespace smtpsec::daemon {
namespace {

// A run of decimal digits at the start of `text`; nullopt when there is none
// or it overflows.
std::optional<std::uint64_t> leading_number(std::string_view text, std::size_t& used) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    used = static_cast<std::size_t>(end - text.data());
    if (ec != std::errc() || used == 0) return std::nullopt;
    return value;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    std::size_t used = 0;
    auto n = leading_number(text, used);
    if (!n || used != text.size() || *n == 0 || *n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*n);
}

bool is_ipv4(const std::string& s) {
    in_addr a{};
    return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}
bool is_ipv6(const std::string& s) {
    in6_addr a{};
    return ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool has_non_ascii(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) > 127; });
}

// Optimal string alignment distance (a swap of neighbours counts once).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

constexpr const char* kDurationHint =
    "expected a number and a unit: ms, s, m, h, d or w, e.g. \"30s\", \"5m\", \"4h\", \"5d\"";
constexpr const char* kSizeHint =
    "expected a number of bytes, optionally with K, M or G (powers of 1024), e.g. \"64M\"";
constexpr const char* kSocketHint = "expected local:/path, unix:/path, inet:PORT@HOST or inet6:PORT@HOST";

}  // namespace

Expected<Duration, std::string> parse_duration(std::string_view text) {
    auto bad = [&] { return Unexpected{fmt::format("bad duration \"{}\" ({})", text, kDurationHint)}; };
    std::size_t used = 0;
    auto n = leading_number(text, used);
    if (!n) return bad();
    static constexpr std::array<std::pair<std::string_view, std::int64_t>, 7> units = {{{"", 1000},
                                                                                        {"ms", 1},
                                                                                        {"s", 1000},
                                                                                        {"m", 60'000},
                                                                                        {"h", 3'600'000},
                                                                                        {"d", 86'400'000},
                                                                                        {"w", 604'800'000}}};
    const std::string_view unit = text.substr(used);
    for (auto [name, ms] : units) {
        if (unit != name) continue;
        // Anything beyond ten years is a typo, and would overflow below.
        constexpr std::int64_t limit = std::int64_t{10} * 366 * 86'400'000;
        if (*n > static_cast<std::uint64_t>(limit / ms)) return bad();
        return Duration(static_cast<std::int64_t>(*n) * ms);
    }
    return bad();
}

std::string format_duration(Duration d) {
    const std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    static constexpr std::array<std::pair<const char*, std::int64_t>, 6> units = {
        {{"w", 604'800'000}, {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};
    for (auto [name, size] : units)
        if (ms % size == 0) return fmt::format("{}{}", ms / size, name);
    return fmt::format("{}ms", ms);
}

Expected<std::uint64_t, std::string> parse_size(std::string_view text) {
    auto bad = [&] { return Unexpected{fmt::format("bad size \"{}\" ({})", text, kSizeHint)}; };
    std::size_t used = 0;
    auto n = leading_number(text, used);
    if (!n) return bad();
    const std::string unit = wire::ascii_lower(text.substr(used));
    static constexpr std::array<std::pair<std::string_view, unsigned>, 11> units = {{{"", 0},
                                                                                     {"b", 0},
                                                                                     {"k", 10},
                                                                                     {"kb", 10},
                                                                                     {"kib", 10},
                                                                                     {"m", 20},
                                                                                     {"mb", 20},
                                                                                     {"mib", 20},
                                                                                     {"g", 30},
                                                                                     {"gb", 30},
                                                                                     {"gib", 30}}};
    for (auto [name, shift] : units) {
        if (unit != name) continue;
        if (*n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return bad();
        return *n << shift;
    }
    return bad();
}

std::string format_size(std::uint64_t bytes) {
    if (bytes != 0) {
        if (bytes % (1ull << 30) == 0) return fmt::format("{}G", bytes >> 30);
        if (bytes % (1ull << 20) == 0) return fmt::format("{}M", bytes >> 20);
        if (bytes % (1ull << 10) == 0) return fmt::format("{}K", bytes >> 10);
    }
    return fmt::format("{}", bytes);
}

Expected<MilterSocket, std::string> parse_milter_socket(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return Unexpected{fmt::format("bad socket spec \"{}\" ({})", text, why)};
    };
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return bad(kSocketHint);
    const std::string kind = wire::ascii_lower(text.substr(0, colon));
    const std::string_view rest = text.substr(colon + 1);
    MilterSocket s;
    if (kind == "local" || kind == "unix") {
        s.kind = MilterSocket::Kind::local;
        s.path = std::string(rest);
        if (s.path.empty() || s.path.front() != '/') return bad("the socket path must be absolute");
        if (s.path.size() >= sizeof(sockaddr_un{}.sun_path))
            return bad(
                fmt::format("a Unix socket path has at most {} bytes", sizeof(sockaddr_un{}.sun_path) - 1));
        s.spec = "local:" + s.path;
        return s;
    }
    if (kind != "inet" && kind != "inet6") return bad(kSocketHint);
    s.kind = kind == "inet" ? MilterSocket::Kind::inet : MilterSocket::Kind::inet6;
    const auto at = rest.find('@');
    const std::string_view port_text = rest.substr(0, at);
    // Postfix writes the other end as inet:HOST:PORT; milters take PORT@HOST.
    if (at == std::string_view::npos && port_text.find(':') != std::string_view::npos)
        return bad(
            fmt::format("a milter listens on {}:PORT@HOST, e.g. {}:8891@{}; "
                        "HOST:PORT is how Postfix names it",
                        kind, kind, kind == "inet" ? "127.0.0.1" : "::1"));
    auto port = parse_port(port_text);
    if (!port) return bad("the port must be a number from 1 to 65535");
    s.port = *port;
    if (at != std::string_view::npos) {
        std::string host(rest.substr(at + 1));
        if (s.kind == MilterSocket::Kind::inet6 && host.size() > 2 && host.front() == '[' &&
            host.back() == ']')
            host = host.substr(1, host.size() - 2);
        const bool ip = s.kind == MilterSocket::Kind::inet ? is_ipv4(host) : is_ipv6(host);
        if (!ip && !parse_domain(host))
            return bad(fmt::format("\"{}\" is not an {} address or a host name", host,
                                   s.kind == MilterSocket::Kind::inet ? "IPv4" : "IPv6"));
        s.host = host;
    }
    s.spec = fmt::format("{}:{}", kind, s.port);
    if (!s.host.empty()) s.spec += "@" + s.host;
    return s;
}

Expected<HostPort, std::string> parse_host_port(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return Unexpected{fmt::format("bad address \"{}\" ({})", text, why)};
    };
    constexpr const char* form = "expected IPv4:PORT or [IPv6]:PORT, e.g. 127.0.0.1:10026 or [::1]:10026";
    HostPort hp;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return bad(form);
        hp.host = std::string(text.substr(1, close - 1));
        if (!is_ipv6(hp.host)) return bad(fmt::format("\"{}\" is not an IPv6 address", hp.host));
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return bad(form);
        hp.host = std::string(text.substr(0, colon));
        if (hp.host.find(':') != std::string::npos)
            return bad("write an IPv6 address in brackets: [IPv6]:PORT");
        if (!is_ipv4(hp.host))
            return bad(fmt::format("\"{}\" is not an IP address; host names are not resolved here", hp.host));
        port_text = text.substr(colon + 1);
    }
    auto port = parse_port(port_text);
    if (!port) return bad("the port must be a number from 1 to 65535");
    hp.port = *port;
    return hp;
}

Expected<std::string, std::string> parse_forwarder(std::string_view text) {
    const auto at = text.find('@');
    const std::string ip(text.substr(0, at));
    if (!is_ipv4(ip) && !is_ipv6(ip))
        return Unexpected{
            fmt::format("bad forwarder \"{}\" (expected IP or IP@PORT, e.g. "
                        "\"192.0.2.53\" or \"::1@5353\")",
                        text)};
    if (at != std::string_view::npos && !parse_port(text.substr(at + 1)))
        return Unexpected{
            fmt::format("bad forwarder \"{}\" (the port must be a number from 1 to 65535)", text)};
    return std::string(text);
}

Expected<std::string, std::string> parse_domain(std::string_view text) {
    auto bad = [&] {
        return Unexpected{fmt::format("\"{}\" is not a valid domain name{}", text,
                                      has_non_ascii(text) ? " (write international names in their "
                                                            "xn-- form)"
                                                          : "")};
    };
    std::string name = wire::ascii_lower(text);
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty() || name.size() > 253) return bad();
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto dot = std::min(name.find('.', start), name.size());
        const std::string_view label = std::string_view(name).substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return bad();
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return bad();
        if (dot == name.size() &&
            std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return bad();  // no top-level domain is numeric: an IP address or a typo
        start = dot + 1;
    }
    return name;
}

Expected<std::string, std::string> parse_domain_pattern(std::string_view text) {
    if (!text.empty() && text.front() == '.') {
        auto rest = parse_domain(text.substr(1));
        if (!rest) return Unexpected{fmt::format("\"{}\" is not a valid domain name", text)};
        return "." + *rest;
    }
    return parse_domain(text);
}

Expected<std::string, std::string> parse_mail_address(std::string_view text) {
    const auto at = text.rfind('@');
    auto bad = [&] {
        return Unexpected{fmt::format("\"{}\" is not a mail address (expected local@domain)", text)};
    };
    if (at == std::string_view::npos || at == 0) return bad();
    for (char c : text.substr(0, at)) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127 || c == '<' || c == '>' || c == '@' || c == ',') return bad();
    }
    auto domain = parse_domain(text.substr(at + 1));
    if (!domain) return bad();
    return std::string(text.substr(0, at + 1)) + *domain;
}

Expected<std::string, std::string> parse_header_name(std::string_view text, bool allow_wildcard) {
    std::string_view name = text;
    if (allow_wildcard && !name.empty() && name.back() == '*') name.remove_suffix(1);
    bool ok = !name.empty() || (allow_wildcard && text == "*");
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':' || c == '*') ok = false;
    }
    if (!ok)
        return Unexpected{fmt::format("\"{}\" is not a header field name{}", text,
                                      allow_wildcard ? " (or a prefix ending in *, like \"X-*\")" : "")};
    return std::string(text);
}

Expected<unsigned, std::string> parse_octal_mode(std::string_view text) {
    unsigned mode = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (ec != std::errc() || end != text.data() + text.size() || mode > 0777)
        return Unexpected{
            fmt::format("bad mode \"{}\" (expected octal permission bits, e.g. \"0660\")", text)};
    return mode;
}

std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& known) {
    std::string wanted = wire::ascii_lower(word);
    std::replace(wanted.begin(), wanted.end(), '-', '_');
    // A prefix of exactly one known word ("cert" for "certificate") is a match too.
    std::vector<const std::string*> prefixed;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::vector<const std::string*> closest;
    for (const auto& k : known) {
        if (wanted.size() >= 3 && k.size() > wanted.size() && k.compare(0, wanted.size(), wanted) == 0)
            prefixed.push_back(&k);
        const std::size_t d = edit_distance(wanted, k);
        if (d < best) {
            best = d;
            closest = {&k};
        } else if (d == best) {
            closest.push_back(&k);
        }
    }
    // At most 2 edits, and fewer for short words (a 3-letter word is 2 edits
    // from too many others).
    const std::size_t allowed = wanted.size() <= 4 ? 1 : 2;
    if (best <= allowed && closest.size() == 1) return *closest.front();
    if (prefixed.size() == 1) return *prefixed.front();
    return std::nullopt;
}

}  // namespace smtpsec::daemon

// The record types SMTPsec reads (SRV, TLSA, A, AAAA) and their RDATA parsers.
//
// Why: libunbound hands over raw RDATA; a record that does not parse must
// make the decision defer rather than be skipped, so parsers say nullopt
// instead of guessing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace smtpsec::dns {

namespace rrtype {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t srv = 33;
inline constexpr std::uint16_t tlsa = 52;
}  // namespace rrtype

// One SRV record (RFC 2782). `host` is the normalized target name, or "."
// for "no service".
struct SrvTarget {
    std::string host;
    std::uint16_t port = 0;
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    friend bool operator==(const SrvTarget&, const SrvTarget&) = default;
};

// One TLSA record (RFC 6698). Field names match smtpsec::tls::TlsaRecord.
struct TlsaRecord {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching_type = 0;
    std::vector<std::uint8_t> data;
    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

enum class AddressFamily : std::uint8_t { ipv4, ipv6 };

struct IpAddress {
    AddressFamily family = AddressFamily::ipv4;
    std::array<std::uint8_t, 16> octets{};  // the first 4 for IPv4
    std::string to_string() const;          // "192.0.2.1", "2001:db8::1"
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

std::optional<SrvTarget> parse_srv(std::span<const std::uint8_t> rdata);
std::optional<TlsaRecord> parse_tlsa(std::span<const std::uint8_t> rdata);
std::optional<IpAddress> parse_a(std::span<const std::uint8_t> rdata);
std::optional<IpAddress> parse_aaaa(std::span<const std::uint8_t> rdata);

}  // namespace smtpsec::dns

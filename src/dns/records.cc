// RDATA parsers (see records.h). Formats: RFC 2782 (SRV), RFC 6698 (TLSA),
// RFC 1035 (A), RFC 3596 (AAAA).
#include "dns/records.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "dns/names.h"

namespace smtpsec::dns {
namespace {

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

}  // namespace

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    const int af = family == AddressFamily::ipv4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, octets.data(), text, sizeof text) == nullptr) return {};
    return text;
}

std::optional<SrvTarget> parse_srv(std::span<const std::uint8_t> rdata) {
    constexpr std::size_t fixed = 6;  // priority, weight, port
    if (rdata.size() <= fixed) return std::nullopt;
    auto host = decode_wire_name(rdata.subspan(fixed));
    if (!host) return std::nullopt;
    SrvTarget target;
    target.priority = be16(rdata, 0);
    target.weight = be16(rdata, 2);
    target.port = be16(rdata, 4);
    target.host = std::move(*host);
    return target;
}

std::optional<TlsaRecord> parse_tlsa(std::span<const std::uint8_t> rdata) {
    constexpr std::size_t fixed = 3;  // usage, selector, matching type
    if (rdata.size() <= fixed) return std::nullopt;
    TlsaRecord record;
    record.usage = rdata[0];
    record.selector = rdata[1];
    record.matching_type = rdata[2];
    record.data.assign(rdata.begin() + fixed, rdata.end());
    return record;
}

std::optional<IpAddress> parse_a(std::span<const std::uint8_t> rdata) {
    if (rdata.size() != 4) return std::nullopt;
    IpAddress address;
    address.family = AddressFamily::ipv4;
    std::copy(rdata.begin(), rdata.end(), address.octets.begin());
    return address;
}

std::optional<IpAddress> parse_aaaa(std::span<const std::uint8_t> rdata) {
    if (rdata.size() != 16) return std::nullopt;
    IpAddress address;
    address.family = AddressFamily::ipv6;
    std::copy(rdata.begin(), rdata.end(), address.octets.begin());
    return address;
}

}  // namespace smtpsec::dns

// Domain names as the resolver accepts them, and the query names SMTPsec uses.
//
// Why: names reach the resolver from mail addresses and from DNS data. The
// text form is parsed by libunbound as zone-file syntax, so a backslash or a
// quote in an untrusted name could change what is asked; only plain host
// name characters are let through. Names are compared in lower case.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smtpsec::dns {

// Lower-cased name without its trailing dot, if `name` is a syntactically
// valid host-style name: labels of 1..63 letters, digits, '-' or '_',
// at most 253 characters in all. "." and "" are not valid.
std::optional<std::string> normalize_name(std::string_view name);

// "_smtpsec._tcp.<domain>" (docs/decisions.md point 20). `domain` must be
// normalized.
std::string srv_query_name(std::string_view domain);

// "_<port>._tcp.<host>" (RFC 6698 section 3). `host` must be normalized.
std::string tlsa_query_name(std::uint16_t port, std::string_view host);

// Decodes an uncompressed wire-format name that fills `wire` exactly.
// Returns "." for the root, else the normalized text form; nullopt if the
// encoding is broken or a label holds a character normalize_name refuses.
std::optional<std::string> decode_wire_name(std::span<const std::uint8_t> wire);

}  // namespace smtpsec::dns

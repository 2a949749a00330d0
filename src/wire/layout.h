// Widths of every count and length field (docs/decisions.md points 1-6), in one
// place so the encoder and the decoder cannot disagree. A vector's count field
// is the fewest whole bytes that hold its maximum; counts are in elements.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smtpsec::wire::layout {

inline constexpr std::size_t size_field = 8;           // Message.size
inline constexpr std::size_t extension_count = 2;      // Extension extensions<0..2^16-1>
inline constexpr std::size_t extension_data = 4;       // opaque data<0..2^32-1>
inline constexpr std::size_t certificate = 3;          // opaque Certificate<0..2^24-1>
inline constexpr std::size_t chain_certificates = 2;   // Certificate CertificateChain<0..2^16-1>
inline constexpr std::size_t chain_count = 3;          // certificate_chains<0..2^24-1>
inline constexpr std::size_t chain_index = 3;          // uint24 certificate_chain
inline constexpr std::size_t algorithm = 2;            // SignatureAlgorithm
inline constexpr std::size_t parameters = 2;           // opaque parameters<0..2^16-1>
inline constexpr std::size_t header_name = 2;          // opaque name<0..2^16-1>
inline constexpr std::size_t header_value = 3;         // opaque value<0..2^24-1>
inline constexpr std::size_t trace_header_count = 3;   // Header trace_headers<0..2^24-1>
inline constexpr std::size_t address = 2;              // opaque Address<0..2^16-1>
inline constexpr std::size_t recipient_count = 3;      // Address recipients<0..2^24-1>
inline constexpr std::size_t message_body = 8;         // opaque message<0..2^64-1>
inline constexpr std::size_t message_number = 3;       // uint24
inline constexpr std::size_t error_address_count = 2;  // Address<0..2^16-1> in Error

// The smallest encoding of one element of each self-delimiting vector; a
// count is refused when count * minimum exceeds what remains, before any
// allocation.
inline constexpr std::size_t min_extension = 1 + extension_data;
inline constexpr std::size_t min_chain = chain_certificates;
inline constexpr std::size_t min_certificate = certificate;
inline constexpr std::size_t min_header = header_name + header_value;
inline constexpr std::size_t min_address = address;

inline constexpr std::uint64_t max_for(std::size_t width) {
    return width >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
}

}  // namespace smtpsec::wire::layout

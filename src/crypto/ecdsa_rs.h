// Conversion between GnuTLS's DER ECDSA signatures and SMTPsec's fixed-width r || s.
//
// Why it exists: docs/decisions.md point 7 fixes ECDSA signatures as r || s, each
// left-padded to the curve's byte size, while GnuTLS signs and verifies DER
// (SEQUENCE of two INTEGERs). gnutls_decode_rs_value hands back the INTEGER
// contents as they are: shorter than the curve size when the value is small
// (about 4 in 10 P-521 signatures), or one byte longer with a leading zero when
// the top bit is set. Both must come out exactly curve-size wide.
#pragma once

#include <gnutls/gnutls.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/gnutls_handles.h"

namespace smtpsec::crypto {

// Appends `integer` (big-endian, any leading zeros) left-padded to exactly
// `width` bytes. False, with `out` unchanged, if its value needs more bytes.
bool append_padded(std::span<const std::uint8_t> integer, std::size_t width, std::vector<std::uint8_t>& out);

// Appends the 2 * scalar_size bytes of r || s decoded from a DER signature.
// False, with `out` unchanged, if the DER is malformed or a value is too wide.
bool append_fixed_from_der(const gnutls_datum_t& der, std::size_t scalar_size,
                           std::vector<std::uint8_t>& out);

// DER for a fixed-width r || s (its two halves). False if GnuTLS cannot
// encode it; an r or s that is zero or out of range encodes fine and then
// fails verification, as it should.
bool der_from_fixed(std::span<const std::uint8_t> fixed, OwnedDatum& der);

}  // namespace smtpsec::crypto

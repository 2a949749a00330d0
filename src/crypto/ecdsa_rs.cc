// Fixed-width r || s <-> DER for ECDSA (docs/decisions.md point 7). Why it
// is needed: ecdsa_rs.h.
#include "crypto/ecdsa_rs.h"

#include <gnutls/crypto.h>

#include <algorithm>

namespace smtpsec::crypto {
namespace {

// The value without redundant leading zeros, but at least one byte so that
// zero is still an INTEGER (an empty datum means something else to libtasn1).
std::span<const std::uint8_t> minimal(std::span<const std::uint8_t> integer) {
    std::size_t skip = 0;
    while (skip + 1 < integer.size() && integer[skip] == 0) ++skip;
    return integer.subspan(skip);
}

}  // namespace

bool append_padded(std::span<const std::uint8_t> integer, std::size_t width, std::vector<std::uint8_t>& out) {
    const auto value = minimal(integer);
    const bool is_zero = value.size() == 1 && value[0] == 0;
    const std::size_t length = is_zero ? 0 : value.size();
    if (length > width) return false;
    out.insert(out.end(), width - length, 0);
    out.insert(out.end(), value.end() - static_cast<std::ptrdiff_t>(length), value.end());
    return true;
}

bool append_fixed_from_der(const gnutls_datum_t& der, std::size_t scalar_size,
                           std::vector<std::uint8_t>& out) {
    OwnedDatum r;
    OwnedDatum s;
    if (gnutls_decode_rs_value(&der, r.out(), s.out()) < 0) return false;
    const std::size_t before = out.size();
    if (append_padded(r.span(), scalar_size, out) && append_padded(s.span(), scalar_size, out)) return true;
    out.resize(before);
    return false;
}

bool der_from_fixed(std::span<const std::uint8_t> fixed, OwnedDatum& der) {
    const std::size_t half = fixed.size() / 2;
    if (half == 0 || fixed.size() != 2 * half) return false;
    const gnutls_datum_t r = datum_of(minimal(fixed.first(half)));
    const gnutls_datum_t s = datum_of(minimal(fixed.subspan(half)));
    return gnutls_encode_rs_value(der.out(), &r, &s) >= 0;
}

}  // namespace smtpsec::crypto

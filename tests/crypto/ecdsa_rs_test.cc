// The fixed-width r || s conversion on its own, with integers of every awkward length.
#include <catch2/catch.hpp>

#include <gnutls/crypto.h>

#include "crypto/ecdsa_rs.h"

using smtpsec::crypto::append_fixed_from_der;
using smtpsec::crypto::append_padded;
using smtpsec::crypto::der_from_fixed;
using smtpsec::crypto::OwnedDatum;
using Vec = std::vector<std::uint8_t>;

TEST_CASE("append_padded left-pads short values and strips leading zeros", "[crypto][ecdsa]") {
    Vec out{0x55};
    REQUIRE(append_padded(Vec{0x01, 0x02}, 4, out));
    CHECK(out == Vec{0x55, 0x00, 0x00, 0x01, 0x02});

    out.clear();
    // DER's sign byte: 5 bytes in, 4 out.
    REQUIRE(append_padded(Vec{0x00, 0x80, 0x01, 0x02, 0x03}, 4, out));
    CHECK(out == Vec{0x80, 0x01, 0x02, 0x03});

    out.clear();
    REQUIRE(append_padded(Vec{0x00, 0x00, 0x00, 0x07}, 2, out));
    CHECK(out == Vec{0x00, 0x07});

    out.clear();
    REQUIRE(append_padded(Vec{0x00}, 3, out));
    CHECK(out == Vec{0x00, 0x00, 0x00});

    out.clear();
    REQUIRE(append_padded(Vec{}, 2, out));
    CHECK(out == Vec{0x00, 0x00});
}

TEST_CASE("append_padded refuses values wider than the curve", "[crypto][ecdsa]") {
    Vec out{0x55};
    CHECK_FALSE(append_padded(Vec{0x01, 0x00, 0x00}, 2, out));
    CHECK_FALSE(append_padded(Vec{0x00, 0x80, 0x00, 0x00}, 2, out));
    CHECK(out == Vec{0x55});
}

TEST_CASE("DER and fixed-width forms convert both ways", "[crypto][ecdsa]") {
    // r with its top bit set (a sign byte in DER), s short (2 bytes for a 4-byte width).
    const Vec fixed{0x80, 0x11, 0x22, 0x33, 0x00, 0x00, 0x44, 0x55};
    OwnedDatum der;
    REQUIRE(der_from_fixed(fixed, der));
    // SEQUENCE { INTEGER 00 80 11 22 33, INTEGER 44 55 }: minimal DER.
    const Vec expected{0x30, 0x0b, 0x02, 0x05, 0x00, 0x80, 0x11, 0x22, 0x33, 0x02, 0x02, 0x44, 0x55};
    CHECK(Vec(der.span().begin(), der.span().end()) == expected);

    Vec back;
    REQUIRE(append_fixed_from_der(der.get(), 4, back));
    CHECK(back == fixed);
}

TEST_CASE("zero values still encode (and then fail verification elsewhere)", "[crypto][ecdsa]") {
    const Vec fixed(8, 0);
    OwnedDatum der;
    REQUIRE(der_from_fixed(fixed, der));
    Vec back;
    REQUIRE(append_fixed_from_der(der.get(), 4, back));
    CHECK(back == fixed);
}

TEST_CASE("malformed DER and odd lengths are refused", "[crypto][ecdsa]") {
    Vec out{0x55};
    const Vec garbage{0x30, 0x05, 0x02, 0x01};
    const gnutls_datum_t bad{const_cast<unsigned char*>(garbage.data()),
                             static_cast<unsigned>(garbage.size())};
    CHECK_FALSE(append_fixed_from_der(bad, 4, out));
    CHECK(out == Vec{0x55});

    // Valid DER whose s is too wide for the curve leaves `out` as it was.
    OwnedDatum wide;
    REQUIRE(der_from_fixed(Vec{0x00, 0x01, 0x7f, 0x7f}, wide));
    CHECK_FALSE(append_fixed_from_der(wide.get(), 1, out));
    CHECK(out == Vec{0x55});

    OwnedDatum der;
    CHECK_FALSE(der_from_fixed(Vec{0x01, 0x02, 0x03}, der));
    OwnedDatum empty;
    CHECK_FALSE(der_from_fixed(Vec{}, empty));
}

// Bytes: views share ownership; equality is by content.
#include <catch2/catch.hpp>

#include "smtpsec/bytes.h"

using smtpsec::Bytes;

TEST_CASE("a slice keeps its buffer alive after the parent is gone") {
    Bytes slice;
    {
        Bytes whole = Bytes::copy_of(std::string_view("hello world"));
        slice = whole.slice(6, 5);
    }
    CHECK(slice.view() == "world");
}

TEST_CASE("equality compares content, not identity") {
    CHECK(Bytes::copy_of(std::string_view("abc")) == Bytes::copy_of(std::string_view("abc")));
    CHECK_FALSE(Bytes::copy_of(std::string_view("abc")) == Bytes::copy_of(std::string_view("abd")));
    CHECK(Bytes() == Bytes::copy_of(std::string_view("")));
}

TEST_CASE("to_hex") {
    const std::uint8_t data[] = {0x00, 0x0f, 0xa0, 0xff};
    CHECK(smtpsec::to_hex(data) == "000fa0ff");
}

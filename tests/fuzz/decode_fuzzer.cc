// libFuzzer target for the decoder. Oracle: the encoding is canonical, so
// anything the decoder accepts must encode back to exactly the same bytes.
#include <cstdlib>
#include <cstring>

#include "smtpsec/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    smtpsec::Bytes frame(std::vector<std::uint8_t>(data, data + size));
    auto decoded = smtpsec::decode(frame);
    if (!decoded) {
        if (decoded.error().reason.empty()) std::abort();
        return 0;
    }
    auto again = smtpsec::encode(*decoded);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
    return 0;
}

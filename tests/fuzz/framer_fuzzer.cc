// libFuzzer target for the framer. The first two bytes choose the chunk size
// and the limit; the rest is the stream. Invariants: every frame's size field
// equals its length and is within the limit; frames and skipped Messages
// never account for more bytes than were fed.
#include <cstdlib>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    std::size_t chunk = 1 + data[0] % 64;
    std::uint64_t limit = 11 + std::uint64_t{data[1]} * 8;
    data += 2;
    size -= 2;
    smtpsec::Framer framer(limit);
    std::uint64_t accounted = 0;
    for (std::size_t at = 0; at < size; at += chunk) {
        framer.feed({data + at, std::min(chunk, size - at)});
        while (auto event = framer.next()) {
            if (auto* f = std::get_if<smtpsec::Framer::Frame>(&*event)) {
                const auto& b = f->bytes;
                std::uint64_t declared = 0;
                for (int i = 0; i < 8; ++i) declared = (declared << 8) | b[i];
                if (declared != b.size() || b.size() > limit) std::abort();
                accounted += b.size();
                (void)smtpsec::decode(b);
            } else if (auto* o = std::get_if<smtpsec::Framer::Oversized>(&*event)) {
                if (o->size <= limit) std::abort();
                accounted += 9;  // only its header is certain to have arrived
            }
        }
    }
    if (accounted > size) std::abort();
    return 0;
}

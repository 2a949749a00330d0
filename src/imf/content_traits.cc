// See content_traits.h. The header section ends at the first CRLF CRLF (or at
// a CRLF at the very start: no header fields).
#include "imf/content_traits.h"

namespace smtpsec::imf {

ContentTraits scan_content(std::span<const Bytes> pieces) {
    ContentTraits t;
    // How much of "\r\n\r\n" was just seen; the message starts as if after a CRLF.
    int matched = 2;
    bool in_body = false;
    for (const Bytes& piece : pieces) {
        for (std::uint8_t b : piece.span()) {
            if (in_body) {
                if (b >= 0x80) {
                    t.eight_bit_body = true;
                    return t;
                }
                continue;
            }
            if (b >= 0x80) t.eight_bit_header = true;
            static constexpr char seq[] = "\r\n\r\n";
            if (b == static_cast<std::uint8_t>(seq[matched])) {
                if (++matched == 4) in_body = true;
            } else {
                matched = b == '\r' ? 1 : 0;
            }
        }
    }
    return t;
}

}  // namespace smtpsec::imf

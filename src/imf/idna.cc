// See idna.h.
#include "imf/idna.h"

#include <idn2.h>

#include <memory>

#include "imf/utf8.h"

namespace smtpsec::imf {
namespace {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

struct Idn2Free {
    void operator()(char* p) const { idn2_free(p); }
};

}  // namespace

Expected<std::string, ImfError> domain_to_a_label(std::string_view domain) {
    if (domain.empty()) return Unexpected(ImfError{"empty domain", 0});
    if (is_ascii(domain)) return ascii_lower(domain);
    if (!is_valid_utf8(domain)) return Unexpected(ImfError{"domain is not valid UTF-8", 0});
    const std::string input(domain);  // idn2 wants a NUL-terminated string
    char* raw = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &raw, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, Idn2Free> output(raw);
    if (rc != IDN2_OK || !output)
        return Unexpected(ImfError{std::string("not a valid internationalised domain name: ") + idn2_strerror(rc), 0});
    return ascii_lower(output.get());
}

}  // namespace smtpsec::imf

// See idna.h.
#include "imf/idna.h"

#include <idn2.h>

#include <algorithm>
#include <memory>

#include "imf/utf8.h"
#include "wire/ascii.h"

namespace smtpsec::imf {
namespace {

using wire::ascii_lower;

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
        return Unexpected(
            ImfError{std::string("not a valid internationalised domain name: ") + idn2_strerror(rc), 0});
    return ascii_lower(output.get());
}

Expected<std::string, ImfError> host_a_label(std::string_view domain) {
    auto a_label = domain_to_a_label(domain);
    if (!a_label) return a_label;
    const std::string& name = *a_label;
    auto bad = [&](const char* why) {
        return Unexpected(ImfError{std::string("not a host name: ") + why, 0});
    };
    if (name.size() > 253) return bad("longer than 253 octets");
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto dot = std::min(name.find('.', start), name.size());
        const std::string_view label = std::string_view(name).substr(start, dot - start);
        if (label.empty()) return bad("empty label");
        if (label.size() > 63) return bad("label longer than 63 octets");
        if (label.front() == '-' || label.back() == '-') return bad("label starts or ends with '-'");
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return bad("a label holds a character other than a letter, a digit or '-'");
        start = dot + 1;
    }
    return a_label;
}

}  // namespace smtpsec::imf

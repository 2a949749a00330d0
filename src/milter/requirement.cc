// See requirement.h.
#include "milter/requirement.h"

#include <algorithm>

#include "imf/header_section.h"

namespace smtpsec::milter {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

void SecurityRequirement::raise(RequirementLevel level, std::string why) {
    const bool tls = level == RequirementLevel::tls;
    if (!required) {
        required = true;
        tls_suffices = tls;
        reason = std::move(why);
    } else if (tls_suffices && !tls) {
        tls_suffices = false;  // the stronger request wins, and is the one named
        reason = std::move(why);
    }
}

std::string SecurityRequirement::describe() const {
    if (!required) return {};
    return (tls_suffices ? "SMTPsec or verified TLS required (" : "SMTPsec required (") + reason + ")";
}

bool requests_tls(const std::vector<std::string>& mail_args) {
    return std::any_of(mail_args.begin(), mail_args.end(), [](const std::string& a) {
        return imf::equals_ignore_case(trimmed(a), "REQUIRETLS");
    });
}

SecurityRequirement requirement_of_header(std::string_view value, std::string_view field_name) {
    SecurityRequirement r;
    const std::string why = std::string(field_name) + " header";
    if (imf::equals_ignore_case(trimmed(value), "yes"))
        r.raise(RequirementLevel::smtpsec, why);
    else if (imf::equals_ignore_case(trimmed(value), "tls"))
        r.raise(RequirementLevel::tls, why);
    return r;
}

}  // namespace smtpsec::milter

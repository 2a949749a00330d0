// How much security a message asks for on its way out, and where the milter
// learns it (docs/decisions.md point 19; docs/protocol.md; RFC 8689 for REQUIRETLS).
//
// Why a file of its own: several sources raise the requirement (the MAIL
// parameters REQUIRESMTPSEC and REQUIRETLS, the Require-SMTPsec header, the
// listener and sender policies, a forwarded Email's own require_security),
// and the strongest one must win whatever their order. This is that rule,
// kept pure so that it is tested without libmilter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtpsec::milter {

enum class RequirementLevel {
    // require_security = 0: SMTPsec, or SMTP only over verified TLS (REQUIRETLS)
    tls,
    // require_security = 1: only SMTPsec
    smtpsec,
};

// The milter's record of a message's requirement. `required` false: none.
struct SecurityRequirement {
    bool required = false;
    bool tls_suffices = false;  // when required: the value is 0 (verified TLS is enough)
    std::string reason;         // the first source of the level in force, for the log

    // Raises the requirement to `level` (never lowers it): 1 beats 0.
    void raise(RequirementLevel level, std::string why);
    // "SMTPsec required (REASON)", "SMTPsec or verified TLS required (REASON)", "".
    std::string describe() const;
};

// Whether MAIL's ESMTP arguments (argv[1..]) hold REQUIRETLS (RFC 8689).
// Neither Postfix 3.7 nor Debian 12's Sendmail passes it on (both answer
// 555 to an unknown MAIL parameter): it is honoured when an MTA does.
bool requests_tls(const std::vector<std::string>& mail_args);

// What a Require-SMTPsec field's value asks for: "yes" SMTPsec only, "tls"
// SMTPsec or verified TLS; nullopt-like `required = false` for anything else.
SecurityRequirement requirement_of_header(std::string_view value, std::string_view field_name);

}  // namespace smtpsec::milter

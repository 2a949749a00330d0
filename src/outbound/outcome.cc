// See outcome.h.
#include "outbound/outcome.h"

#include <fmt/core.h>

#include <algorithm>

#include "imf/header_section.h"

namespace smtpsec::outbound {
std::string_view name_of(RecipientStatus status) {
    switch (status) {
    case RecipientStatus::delivered: return "delivered";
    case RecipientStatus::permanent: return "permanent";
    case RecipientStatus::temporary: return "temporary";
    case RecipientStatus::use_smtp: return "use_smtp";
    }
    return "?";
}

std::vector<RecipientOutcome> all_recipients(const OutboundEmail& email, RecipientStatus status,
                                             const std::string& detail) {
    std::vector<RecipientOutcome> out;
    for (const auto& r : email.recipients) out.push_back({r, status, detail});
    return out;
}

std::vector<RecipientOutcome> outcomes_for(const OutboundEmail& email,
                                           const session::EmailAnswer& answer,
                                           const std::string& server) {
    if (!answer.error)
        return all_recipients(email, RecipientStatus::delivered,
                              fmt::format("{} answered EmailDelivered", server));
    auto code = *answer.error;
    if (code == ErrorCode::unknown_address) {
        std::vector<RecipientOutcome> out;
        for (const auto& r : email.recipients) {
            bool unknown = std::any_of(answer.unknown.begin(), answer.unknown.end(),
                                       [&](const std::string& u) { return imf::same_address(u, r); });
            out.push_back({r, unknown ? RecipientStatus::permanent : RecipientStatus::delivered,
                           unknown ? fmt::format("{} answered unknown_address", server)
                                   : fmt::format("{} delivered (others unknown)", server)});
        }
        return out;
    }
    bool temporary = code == ErrorCode::service_unavailable || code == ErrorCode::internal_error;
    return all_recipients(email, temporary ? RecipientStatus::temporary : RecipientStatus::permanent,
                          fmt::format("{} answered {}", server, name_of(code)));
}

}  // namespace smtpsec::outbound

// See outcome.h.
#include "outbound/outcome.h"

#include <fmt/core.h>

#include <set>

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

std::optional<std::string> answer_problem(const OutboundEmail& email, const session::EmailAnswer& answer) {
    if (!answer.error || *answer.error != ErrorCode::unknown_address) return std::nullopt;
    if (answer.unknown.empty()) return "an unknown_address naming no address";
    // Sets of keys (compared as imf::same_address does): 65,535 unknown
    // addresses cost log(n) per recipient instead of a scan.
    std::set<std::string> ours;
    for (const auto& r : email.recipients) ours.insert(imf::address_key(r));
    for (const auto& u : answer.unknown)
        if (!ours.count(imf::address_key(u)))
            return fmt::format("an unknown_address naming {}, not a recipient of that Email",
                               u.substr(0, 256));
    return std::nullopt;
}

std::vector<RecipientOutcome> all_recipients(const OutboundEmail& email, RecipientStatus status,
                                             const std::string& detail) {
    std::vector<RecipientOutcome> out;
    for (const auto& r : email.recipients) out.push_back({r, status, detail});
    return out;
}

std::vector<RecipientOutcome> outcomes_for(const OutboundEmail& email, const session::EmailAnswer& answer,
                                           const std::string& server) {
    if (!answer.error)
        return all_recipients(email, RecipientStatus::delivered,
                              fmt::format("{} answered EmailDelivered", server));
    auto code = *answer.error;
    if (code == ErrorCode::unknown_address) {
        std::vector<RecipientOutcome> out;
        std::set<std::string> unknowns;
        for (const auto& u : answer.unknown) unknowns.insert(imf::address_key(u));
        for (const auto& r : email.recipients) {
            bool unknown = unknowns.count(imf::address_key(r)) > 0;
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

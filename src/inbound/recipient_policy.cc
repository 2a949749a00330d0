// See recipient_policy.h.
#include "inbound/recipient_policy.h"

#include "imf/idna.h"
#include "imf/smtp_path.h"

namespace smtpsec::inbound {
namespace {

// A local part holding '%', '!' or (quoted) '@' names another host: MTAs
// rewrite "victim%outside.example@b.test", "outside.example!victim@b.test"
// and "\"victim@outside.example\"@b.test" to victim@outside.example when
// b.test is local (Postfix's allow_percent_hack, swap_bangpath and
// resolve_dequoted_address; Sendmail's ruleset 3), then relay it. Postfix
// refuses such sender-specified routing from untrusted clients
// (allow_untrusted_routing = no); we do the same, since behind Sendmail our
// check is the only one.
bool is_source_routed(std::string_view local_part) {
    return local_part.find_first_of("%!@") != std::string_view::npos;
}

}  // namespace

RecipientVerdict classify_recipient(std::string_view recipient, const AcceptedDomains& accepted) {
    if (!imf::is_smtp_mailbox(recipient)) return RecipientVerdict::unusable;
    const auto at = recipient.rfind('@');  // is_smtp_mailbox: there is one
    if (is_source_routed(recipient.substr(0, at))) return RecipientVerdict::not_ours;
    const auto domain = recipient.substr(at + 1);
    if (domain.front() == '[') return RecipientVerdict::not_ours;
    auto a_label = imf::domain_to_a_label(domain);
    if (!a_label) return RecipientVerdict::not_ours;
    return accepted.contains(*a_label) ? RecipientVerdict::ours : RecipientVerdict::not_ours;
}

RecipientSplit split_recipients(const std::vector<std::string>& recipients, const AcceptedDomains& accepted) {
    RecipientSplit split;
    for (const auto& r : recipients) {
        switch (classify_recipient(r, accepted)) {
        case RecipientVerdict::ours: split.ours.push_back(r); break;
        case RecipientVerdict::not_ours: split.not_ours.push_back(r); break;
        case RecipientVerdict::unusable: split.unusable.push_back(r); break;
        }
    }
    return split;
}

}  // namespace smtpsec::inbound

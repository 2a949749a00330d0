// See recipient_policy.h.
#include "inbound/recipient_policy.h"

#include "imf/idna.h"
#include "imf/smtp_path.h"

namespace smtpsec::inbound {

RecipientVerdict classify_recipient(std::string_view recipient, const AcceptedDomains& accepted) {
    if (!imf::is_smtp_mailbox(recipient)) return RecipientVerdict::unusable;
    const auto domain = recipient.substr(recipient.rfind('@') + 1);  // is_smtp_mailbox: there is an '@'
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

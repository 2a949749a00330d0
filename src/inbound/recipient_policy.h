// Which recipients of a received Email this gateway delivers (issue 13,
// decisions D1 and D4). Pure: no I/O, so every case is a unit test.
//
// Why: the listener faces the Internet. An Email is re-injected into the
// local MTA from 127.0.0.1, and whatever the MTA accepts from there it may
// relay onward carrying our smtpsec=pass; so the listener itself must accept
// only recipients it is the destination for: the domains whose SRV records
// point at it. By default those are the domains of the [[signing]] sections;
// `[listener] accept_domains` adds others (man/smtpsecd.conf.5). Domains are
// compared in lowercased A-label form (imf/idna.h), so a recipient written
// with U-labels or capitals matches its configured domain. Domain literals
// ("bob@[192.0.2.1]") are never ours: a literal names a host, not a mail
// domain we publish. Nor is a local part with a route to another host in it
// ('%', '!', a quoted '@'): the MTA would relay it (recipient_policy.cc).
//
// Recipients that are not ours are answered unknown_address, listed, while
// the others are delivered (docs/protocol.md, "Recipients"). A recipient that
// SMTP cannot carry at all (imf/smtp_path.h) makes the whole Email
// illegal_parameter: it is malformed input, not an unknown mailbox.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsec::inbound {

// Lowercase A-label domains, no final dot.
using AcceptedDomains = std::set<std::string, std::less<>>;

enum class RecipientVerdict {
    ours,      // re-inject it
    not_ours,  // unknown_address: another domain, a domain literal, an invalid IDN, a source route
    unusable,  // SMTP cannot carry it: the Email is illegal_parameter
};

RecipientVerdict classify_recipient(std::string_view recipient, const AcceptedDomains& accepted);

struct RecipientSplit {
    std::vector<std::string> ours;      // in the Email's order, as written (the RCPT path)
    std::vector<std::string> not_ours;  // in the Email's order, as written
    std::vector<std::string> unusable;  // non-empty: refuse the whole Email
};

RecipientSplit split_recipients(const std::vector<std::string>& recipients, const AcceptedDomains& accepted);

}  // namespace smtpsec::inbound

// Which senders may write to which recipients (issue 18 point 4; the
// incoming example of the ARPA2 seed "submission and incoming": white and
// black lists per recipient, and a default for senders on neither list).
//
// Why here and now: plain SMTP cannot tell who a sender is, so such lists
// keyed on the From address were easily walked around. SMTPsec authenticates
// the From domain (docs/decisions.md point 22: the Email's signature chain is valid
// for it), so by the time a recipient is decided the sender's domain is a
// fact, and the address is the one that domain vouches for.
//
// File format (UTF-8 text, one rule per line, '#' starts a comment, tokens
// separated by spaces or tabs):
//
//   # recipient        rule     senders
//   *                  default  allow        # the default of defaults
//   @b.test            refuse   @spam.example  mallory@a.test
//   bob@b.test         allow    @friends.example  carol@a.test
//   bob@b.test         default  refuse       # bob takes mail only from his list
//
// A recipient is "local@domain", "@domain" (every recipient in it) or "*"
// (every recipient). A sender is "local@domain" or "@domain". `allow` and
// `refuse` add senders to the recipient's white and black list; `default
// allow|refuse` says what happens to senders on neither list (at most one
// per recipient). Without any default the file's answer is allow.
//
// Decision (decide()): the recipient's own lists, then its domain's, then
// those of "*"; in each, the sender's address before the sender's domain.
// The first list that names the sender decides. If none does, the most
// specific default decides (the recipient's, its domain's, "*", then allow).
// So a recipient can let through what its domain refuses, and a list entry
// always beats a default: the default is for senders on neither list.
//
// Comparison: domains in lowercased A-label form (imf/idna.h), so U-labels
// and capitals match; local parts with ASCII letters lowercased. RFC 5321
// lets a server treat local parts as case-sensitive, but the MTAs we front
// do not, and a black list that missed "Mallory" would be walked around.
//
// A refused recipient is answered unknown_address (docs/protocol.md,
// "Recipients"): the only per-recipient refusal SMTPsec has. Pure, apart
// from authorise_recipients(), which logs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inbound/recipient_policy.h"
#include "smtpsec/expected.h"

namespace smtpsec::inbound {

enum class SenderRule { allow, refuse };

// What decided: a list entry naming the sender's address or domain, a
// `default` line, or nothing at all (the built-in allow).
enum class AuthorisationBasis { sender_address, sender_domain, default_line, built_in_default };

std::string_view name_of(SenderRule rule);
std::string_view name_of(AuthorisationBasis basis);

struct RecipientAuthorisation {
    SenderRule rule = SenderRule::allow;
    AuthorisationBasis basis = AuthorisationBasis::built_in_default;
    std::uint32_t line = 0;  // of the deciding line; 0 for the built-in default
};

struct PolicyProblem {
    std::uint32_t line = 0;
    std::string reason;
};

class SenderAuthorisation {
public:
    // `name` names the file in log lines ("policy:12").
    explicit SenderAuthorisation(std::string name = {}) : name_(std::move(name)) {}

    // `recipient` as written in the Email, `sender` the authenticated From
    // address (addr-spec).
    RecipientAuthorisation decide(std::string_view recipient, std::string_view sender) const;

    const std::string& name() const { return name_; }
    std::size_t size() const { return scopes_.size(); }

    // Used by the parser; keys normalised (normalise_policy_address), "*" as is.
    // An empty optional: added; else the line that already said it.
    std::optional<std::uint32_t> add(const std::string& recipient, const std::string& sender, SenderRule rule,
                                     std::uint32_t line);
    std::optional<std::uint32_t> set_default(const std::string& recipient, SenderRule rule,
                                             std::uint32_t line);

private:
    struct Entry {
        SenderRule rule;
        std::uint32_t line;
    };
    struct Scope {
        std::map<std::string, Entry, std::less<>> senders;  // "a@b" and "@b"
        std::optional<Entry> default_rule;
    };
    std::string name_;
    std::map<std::string, Scope, std::less<>> scopes_;  // "a@b", "@b" and "*"
};

// "Local@Bücher.Example" -> "local@xn--bcher-kva.example"; "@B.test" ->
// "@b.test". Empty when the domain is not a valid IDN or there is no '@'.
std::string normalise_policy_address(std::string_view address);

// All problems, in line order.
Expected<SenderAuthorisation, std::vector<PolicyProblem>> parse_sender_authorisation(std::string_view text,
                                                                                     std::string name);
// Problems about the file itself (unreadable, too large) have line 0.
Expected<SenderAuthorisation, std::vector<PolicyProblem>> load_sender_authorisation(const std::string& path);

// Called once per recipient the policy decided (metrics).
using AuthorisationObserver = std::function<void(const RecipientAuthorisation&)>;

// Names the Email in log lines: "ID: PEER: Email #N", as the listener's others.
struct EmailReference {
    std::string_view connection_id;
    std::string_view peer;
    std::uint32_t number = 0;
};

// Moves the recipients `policy` refuses for `sender` from split.ours to
// split.not_ours, both kept in the order of `all` (the Email's), and logs
// them. No policy: nothing changes (and nothing is formatted: this runs for
// every Email). Returns how many it refused.
std::size_t authorise_recipients(RecipientSplit& split, const std::vector<std::string>& all,
                                 std::string_view sender, const SenderAuthorisation* policy,
                                 const AuthorisationObserver& observer, const EmailReference& email);

}  // namespace smtpsec::inbound

// See sender_authorisation.h for the file format and the decision order.
#include "inbound/sender_authorisation.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "imf/idna.h"
#include "log/log.h"

namespace smtpsec::inbound {
namespace {

// A policy file is written by hand or generated from a directory; anything
// larger is a mistake (the wrong file named), not a policy.
constexpr std::uintmax_t kMaxPolicyBytes = 16u << 20;

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::vector<std::string_view> tokens_of(std::string_view line) {
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            ++i;
            continue;
        }
        const auto start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        out.push_back(line.substr(start, i - start));
    }
    return out;
}

// "" or why `token` is not "local@domain" / "@domain".
std::string address_problem(std::string_view token, std::string_view what) {
    const auto at = token.rfind('@');
    if (at == std::string_view::npos)
        return fmt::format("{} '{}' is neither an address (user@example.org) nor a domain (@example.org)",
                           what, token);
    const auto domain = token.substr(at + 1);
    if (domain.empty()) return fmt::format("{} '{}' has no domain", what, token);
    if (domain.front() == '[')
        return fmt::format("{} '{}': a domain literal names a host, not a mail domain", what, token);
    if (token.substr(0, at).find_first_of("\"\\") != std::string_view::npos)
        return fmt::format("{} '{}': quoted local parts are not supported", what, token);
    if (auto a = imf::host_a_label(domain); !a)
        return fmt::format("{} '{}': bad domain: {}", what, token, a.error().reason);
    return "";
}

}  // namespace

std::string_view name_of(SenderRule rule) { return rule == SenderRule::allow ? "allow" : "refuse"; }

std::string_view name_of(AuthorisationBasis basis) {
    switch (basis) {
    case AuthorisationBasis::sender_address: return "sender address listed";
    case AuthorisationBasis::sender_domain: return "sender domain listed";
    case AuthorisationBasis::default_line: return "default";
    case AuthorisationBasis::built_in_default: return "no rule";
    }
    return "?";
}

std::string normalise_policy_address(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return "";
    auto domain = imf::domain_to_a_label(address.substr(at + 1));
    if (!domain || domain->empty()) return "";
    return ascii_lower(address.substr(0, at + 1)) + *domain;
}

std::optional<std::uint32_t> SenderAuthorisation::add(const std::string& recipient, const std::string& sender,
                                                      SenderRule rule, std::uint32_t line) {
    auto [it, inserted] = scopes_[recipient].senders.emplace(sender, Entry{rule, line});
    if (!inserted) return it->second.line;
    return std::nullopt;
}

std::optional<std::uint32_t> SenderAuthorisation::set_default(const std::string& recipient, SenderRule rule,
                                                              std::uint32_t line) {
    auto& scope = scopes_[recipient];
    if (scope.default_rule) return scope.default_rule->line;
    scope.default_rule = Entry{rule, line};
    return std::nullopt;
}

RecipientAuthorisation SenderAuthorisation::decide(std::string_view recipient,
                                                   std::string_view sender) const {
    std::string rcpt = normalise_policy_address(recipient);
    if (rcpt.empty()) rcpt = ascii_lower(recipient);
    std::string from = normalise_policy_address(sender);
    if (from.empty()) from = ascii_lower(sender);
    const auto rcpt_at = rcpt.rfind('@');
    const auto from_at = from.rfind('@');
    const std::array<std::string_view, 3> scope_keys = {
        rcpt, rcpt_at == std::string::npos ? std::string_view{} : std::string_view(rcpt).substr(rcpt_at),
        "*"};
    const std::string_view from_domain = from_at == std::string::npos
                                             ? std::string_view{}
                                             : std::string_view(from).substr(from_at);
    std::optional<Entry> fallback;
    for (auto key : scope_keys) {
        if (key.empty()) continue;
        auto scope = scopes_.find(key);
        if (scope == scopes_.end()) continue;
        const auto& senders = scope->second.senders;
        if (auto s = senders.find(from); s != senders.end())
            return {s->second.rule, AuthorisationBasis::sender_address, s->second.line};
        if (!from_domain.empty())
            if (auto s = senders.find(from_domain); s != senders.end())
                return {s->second.rule, AuthorisationBasis::sender_domain, s->second.line};
        if (!fallback && scope->second.default_rule) fallback = scope->second.default_rule;
    }
    if (fallback) return {fallback->rule, AuthorisationBasis::default_line, fallback->line};
    return {};
}

Expected<SenderAuthorisation, std::vector<PolicyProblem>> parse_sender_authorisation(std::string_view text,
                                                                                     std::string name) {
    SenderAuthorisation policy(std::move(name));
    std::vector<PolicyProblem> problems;
    std::uint32_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto problem = [&](std::string reason) { problems.push_back({number, std::move(reason)}); };
        const auto tokens = tokens_of(line);
        if (tokens.empty()) continue;
        std::string recipient;
        if (tokens[0] == "*") {
            recipient = "*";
        } else if (auto p = address_problem(tokens[0], "recipient"); !p.empty()) {
            problem(p);
            continue;
        } else {
            recipient = normalise_policy_address(tokens[0]);
        }
        if (tokens.size() < 2) {
            problem(fmt::format("recipient '{}' has no rule (allow, refuse or default)", tokens[0]));
            continue;
        }
        const auto verb = tokens[1];
        if (verb == "default") {
            if (tokens.size() != 3 || (tokens[2] != "allow" && tokens[2] != "refuse")) {
                problem("'default' takes one word: allow or refuse");
                continue;
            }
            const auto rule = tokens[2] == "allow" ? SenderRule::allow : SenderRule::refuse;
            if (auto earlier = policy.set_default(recipient, rule, number))
                problem(fmt::format("recipient '{}' already has a default on line {}", tokens[0], *earlier));
            continue;
        }
        if (verb != "allow" && verb != "refuse") {
            problem(fmt::format("unknown rule '{}' (expected allow, refuse or default)", verb));
            continue;
        }
        if (tokens.size() < 3) {
            problem(fmt::format("'{}' needs at least one sender address or @domain", verb));
            continue;
        }
        const auto rule = verb == "allow" ? SenderRule::allow : SenderRule::refuse;
        for (std::size_t i = 2; i < tokens.size(); ++i) {
            if (auto p = address_problem(tokens[i], "sender"); !p.empty()) {
                problem(p);
                continue;
            }
            if (auto earlier = policy.add(recipient, normalise_policy_address(tokens[i]), rule, number))
                problem(fmt::format("sender '{}' is already listed for recipient '{}' on line {}", tokens[i],
                                    tokens[0], *earlier));
        }
    }
    if (!problems.empty()) return Unexpected{std::move(problems)};
    return policy;
}

Expected<SenderAuthorisation, std::vector<PolicyProblem>> load_sender_authorisation(const std::string& path) {
    auto fail = [&](std::string reason) {
        return Unexpected{std::vector<PolicyProblem>{{0, std::move(reason)}}};
    };
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(fmt::format("cannot read: {}", std::strerror(errno)));
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxPolicyBytes)
            return fail(fmt::format("larger than {} MiB", kMaxPolicyBytes >> 20));
    }
    return parse_sender_authorisation(text, path);
}

std::size_t authorise_recipients(RecipientSplit& split, const std::vector<std::string>& all,
                                 std::string_view sender, const SenderAuthorisation* policy,
                                 const AuthorisationObserver& observer, const EmailReference& email) {
    // An unusable recipient refuses the whole Email: nothing to decide.
    if (!policy || split.ours.empty() || !split.unusable.empty()) return 0;
    std::set<std::string_view> refused;
    std::optional<std::pair<std::string_view, RecipientAuthorisation>> first;
    for (const auto& r : split.ours) {
        const auto a = policy->decide(r, sender);
        if (observer) observer(a);
        if (a.rule != SenderRule::refuse) continue;
        refused.insert(r);
        if (!first) first.emplace(r, a);
    }
    if (refused.empty()) return 0;
    // One line per Email, not per recipient: an Email may list 65535.
    log::info(
        "{}: {}: Email #{} from {}: unknown_address for {} recipient(s) the inbound policy refuses this "
        "sender, first {} "
        "({}:{}: {})",
        email.connection_id, email.peer, email.number, sender, refused.size(), first->first, policy->name(),
        first->second.line, name_of(first->second.basis));
    // Sets, not a search per recipient: an Email may list very many.
    std::set<std::string_view> not_ours(split.not_ours.begin(), split.not_ours.end());
    std::set<std::string_view> ours(split.ours.begin(), split.ours.end());
    RecipientSplit next;
    next.unusable = std::move(split.unusable);
    for (const auto& r : all) {
        if (refused.contains(r) || not_ours.contains(r))
            next.not_ours.push_back(r);
        else if (ours.contains(r))
            next.ours.push_back(r);
    }
    const auto count = refused.size();
    split = std::move(next);
    return count;
}

}  // namespace smtpsec::inbound

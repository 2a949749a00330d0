// See sender_policy.h for the file format.
#include "milter/sender_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "wire/ascii.h"

namespace smtpsec::milter {
namespace {

using wire::ascii_lower;

std::string_view realm_stripped(std::string_view login) {
    auto at = login.rfind('@');
    return at == std::string_view::npos ? login : login.substr(0, at);
}

// Splits a line into tokens; '#' outside quotes ends it. Empty result and
// `error` set on an unterminated quote.
std::vector<std::string> tokens_of(std::string_view line, std::string& error) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
        } else if (c == '#') {
            break;
        } else if (c == '"') {
            auto end = line.find('"', i + 1);
            if (end == std::string_view::npos) {
                error = "unterminated quoted token";
                return {};
            }
            out.emplace_back(line.substr(i + 1, end - i - 1));
            i = end + 1;
        } else {
            std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#')
                ++i;
            out.emplace_back(line.substr(start, i - start));
        }
    }
    return out;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.front() == '.' || domain.back() == '.') return false;
    if (domain.find("..") != std::string_view::npos) return false;
    return std::all_of(domain.begin(), domain.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c >= 0x80; });
}

// "" if `token` is a valid address or "@domain", else the reason.
std::string address_problem(std::string_view token) {
    auto at = token.rfind('@');
    if (at == std::string_view::npos) return fmt::format("'{}' is not an address or @domain", token);
    if (!valid_domain(token.substr(at + 1))) return fmt::format("bad domain in '{}'", token);
    if (at > 0 && token.substr(0, at).find_first_of(" \t\"") != std::string_view::npos)
        return fmt::format("bad local part in '{}'", token);
    return "";
}

}  // namespace

std::string normalise_login(std::string_view login) {
    while (!login.empty() && std::isspace(static_cast<unsigned char>(login.front()))) login.remove_prefix(1);
    while (!login.empty() && std::isspace(static_cast<unsigned char>(login.back()))) login.remove_suffix(1);
    return ascii_lower(login);
}

void SenderPolicy::grant(const std::string& login, const std::string& address_or_domain) {
    grants_[normalise_login(login)].insert(ascii_lower(address_or_domain));
}

std::string SenderPolicy::find_login(std::string_view login) const {
    std::string key = normalise_login(login);
    if (key.empty()) return "";
    if (grants_.count(key)) return key;
    if (key.find('@') != std::string::npos) {
        std::string bare(realm_stripped(key));
        return grants_.count(bare) ? bare : "";
    }
    std::string found;
    for (const auto& [entry, addresses] : grants_) {
        if (entry.find('@') == std::string::npos || realm_stripped(entry) != key) continue;
        if (!found.empty()) return "";  // two realms: no guess
        found = entry;
    }
    return found;
}

bool SenderPolicy::may_use(std::string_view login, std::string_view address) const {
    std::string key = find_login(login);
    if (key.empty()) return false;
    const auto& allowed = grants_.at(key);
    std::string addr = ascii_lower(address);
    if (allowed.count(addr)) return true;
    auto at = addr.rfind('@');
    return at != std::string::npos && allowed.count(addr.substr(at)) > 0;
}

Expected<SenderPolicy, std::vector<std::string>> parse_sender_policy(std::string_view text,
                                                                     std::string_view name) {
    SenderPolicy policy;
    std::vector<std::string> problems;
    std::map<std::string, std::size_t> login_lines;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto problem = [&](const std::string& reason) {
            problems.push_back(fmt::format("{}:{}: {}", name, number, reason));
        };
        std::string error;
        auto tokens = tokens_of(line, error);
        if (!error.empty()) {
            problem(error);
            continue;
        }
        if (tokens.empty()) continue;
        bool bad = false;
        if (tokens[0] == "shared" && line.find('"') != line.find_first_not_of(" \t")) {
            if (tokens.size() < 3) {
                problem("'shared' needs an address and at least one login");
                continue;
            }
            if (tokens[1].front() == '@') {
                problem(fmt::format("'shared' takes one address, not a domain ('{}')", tokens[1]));
                continue;
            }
            if (auto p = address_problem(tokens[1]); !p.empty()) {
                problem(p);
                continue;
            }
            for (std::size_t i = 2; i < tokens.size(); ++i) {
                if (normalise_login(tokens[i]).empty()) {
                    problem("empty login");
                    bad = true;
                }
            }
            if (bad) continue;
            for (std::size_t i = 2; i < tokens.size(); ++i) policy.grant(tokens[i], tokens[1]);
            continue;
        }
        std::string login = normalise_login(tokens[0]);
        if (login.empty()) {
            problem("empty login");
            continue;
        }
        if (tokens.size() < 2) {
            problem(fmt::format("login '{}' has no addresses", login));
            continue;
        }
        if (auto [it, inserted] = login_lines.emplace(login, number); !inserted) {
            problem(fmt::format("login '{}' already listed on line {}", login, it->second));
            continue;
        }
        for (std::size_t i = 1; i < tokens.size(); ++i) {
            if (auto p = address_problem(tokens[i]); !p.empty()) {
                problem(p);
                bad = true;
            }
        }
        if (bad) continue;
        for (std::size_t i = 1; i < tokens.size(); ++i) policy.grant(login, tokens[i]);
    }
    if (!problems.empty()) return Unexpected{std::move(problems)};
    return policy;
}

Expected<SenderPolicy, std::vector<std::string>> load_sender_policy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Unexpected{
            std::vector<std::string>{fmt::format("{}: cannot read: {}", path, std::strerror(errno))}};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_sender_policy(text.str(), path);
}

}  // namespace smtpsec::milter

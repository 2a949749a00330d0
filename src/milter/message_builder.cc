// See message_builder.h.
#include "milter/message_builder.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "imf/auth_results.h"
#include "imf/header_section.h"
#include "imf/received.h"
#include "imf/smtpsec_used.h"
#include "wire/ascii.h"

namespace smtpsec::milter {
namespace {

using wire::ascii_lower;

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

void append_crlf_normalised(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += text[i];
    }
}

}  // namespace

MessageBuilder::MessageBuilder(std::string require_header, std::string authserv_id)
    : require_header_(std::move(require_header)), authserv_id_(std::move(authserv_id)) {}

void MessageBuilder::add_header(std::string_view name, std::string_view value, bool leading_space_kept) {
    std::string key = ascii_lower(name);
    auto it = std::find_if(counts_.begin(), counts_.end(), [&](const auto& c) { return c.first == key; });
    if (it == counts_.end()) it = counts_.insert(counts_.end(), {key, 0});
    int index = ++it->second;

    bool is_require = !require_header_.empty() && imf::equals_ignore_case(name, require_header_);
    if (is_require && imf::equals_ignore_case(trimmed(value), "yes")) require_requested_ = true;
    if (is_require) {
        if (auto r = requirement_of_header(value, require_header_); r.required)
            header_requirement_.raise(r.tls_suffices ? RequirementLevel::tls : RequirementLevel::smtpsec,
                                      r.reason);
    }
    const bool forged_results = !authserv_id_.empty() &&
                                imf::equals_ignore_case(name, imf::auth_results_name) &&
                                imf::is_forged_auth_results(value, authserv_id_);
    {
        SeenField seen{std::string(name), "", std::string(name) + ":"};
        std::string v;
        append_crlf_normalised(v, value);
        if (!leading_space_kept && !value.empty()) seen.bytes += ' ';
        seen.bytes += v;
        seen.bytes += "\r\n";
        seen.value = leading_space_kept && !v.empty() && v.front() == ' ' ? v.substr(1) : v;
        seen_.push_back(std::move(seen));
    }
    // Never delivered, never believed outside the forward service (forwarded.h).
    const bool marker = imf::equals_ignore_case(name, forward_marker_name);
    if (marker) markers_.push_back(seen_.size() - 1);
    if (is_require || forged_results || marker || imf::is_smtpsec_used(name)) {
        removed_.push_back({std::string(name), index});
        return;
    }
    header_.append(name);
    header_ += ':';
    if (!leading_space_kept && !value.empty()) header_ += ' ';
    append_crlf_normalised(header_, value);
    header_ += "\r\n";
}

void MessageBuilder::add_body(std::string_view chunk) { body_.append(chunk); }

std::string MessageBuilder::head(std::string_view prefix) const {
    std::string out;
    out.reserve(prefix.size() + header_.size() + 2);
    out += prefix;
    out += header_;
    out += "\r\n";
    return out;
}

std::string MessageBuilder::take_body() { return std::exchange(body_, std::string()); }

void MessageBuilder::reserve_body(std::size_t bytes) { body_.reserve(bytes); }

std::string MessageBuilder::message() const {
    std::string out;
    out.reserve(size());
    out += header_;
    out += "\r\n";
    out += body_;
    return out;
}

std::vector<HeaderDeletion> MessageBuilder::deletions() const {
    std::vector<HeaderDeletion> out(removed_.rbegin(), removed_.rend());
    return out;
}

std::vector<HeaderDeletion> MessageBuilder::deletions_of(std::string_view name) const {
    std::vector<HeaderDeletion> out;
    for (const auto& d : deletions())
        if (imf::equals_ignore_case(d.name, name)) out.push_back(d);
    return out;
}

bool MessageBuilder::has_received_with_id(std::string_view queue_id) const {
    if (queue_id.empty()) return true;             // nothing to recognise it by: add nothing
    const std::string section = header_ + "\r\n";  // the views below point into it
    auto parsed = imf::parse_message(section);
    if (!parsed) return false;
    const std::string needle = "id " + std::string(queue_id);
    for (const auto& field : parsed->fields) {
        if (!imf::equals_ignore_case(field.name, "Received")) continue;
        std::string flat;
        for (char c : field.value) flat += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
        auto at = flat.find(needle);
        if (at != std::string::npos && (at + needle.size() == flat.size() ||
                                        !std::isalnum(static_cast<unsigned char>(flat[at + needle.size()]))))
            return true;
    }
    return false;
}

namespace {

// Header-safe: printable ASCII without the characters that would change the
// field's structure here.
bool safe(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c > ' ' && c < 127 && c != '(' && c != ')' && c != '[' && c != ']' && c != ';';
    });
}

}  // namespace

std::string mta_received(const HopInfo& hop) {
    std::string out = "Received: from ";
    out += safe(hop.helo) ? hop.helo : safe(hop.client_name) ? hop.client_name : "unknown";
    std::string about;
    if (safe(hop.client_name)) about = hop.client_name;
    if (safe(hop.client_address)) about += (about.empty() ? "[" : " [") + hop.client_address + "]";
    if (!about.empty()) out += " (" + about + ")";
    out += "\r\n\t";
    if (safe(hop.by)) out += "by " + hop.by + " ";
    out += "with ESMTP";
    if (safe(hop.queue_id)) out += " id " + hop.queue_id;
    if (safe(hop.for_address) && hop.for_address.find('<') == std::string::npos &&
        hop.for_address.find('>') == std::string::npos)
        out += "\r\n\tfor <" + hop.for_address + ">";
    out += "; " + imf::rfc5322_date(hop.time) + "\r\n";
    return out;
}

std::string bare_address(std::string_view as_given) {
    std::string_view a = trimmed(as_given);
    if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = trimmed(a.substr(1, a.size() - 2));
    return std::string(a);
}

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return "";
    std::string domain = ascii_lower(address.substr(at + 1));
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    return domain;
}

bool requests_smtpsec(const std::vector<std::string>& mail_args) {
    return std::any_of(mail_args.begin(), mail_args.end(), [](const std::string& a) {
        return imf::equals_ignore_case(trimmed(a), "REQUIRESMTPSEC");
    });
}

}  // namespace smtpsec::milter

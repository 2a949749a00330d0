// libFuzzer target for the origin From parser and the re-injected message
// (docs/decisions.md points 13, 14 and 22; issue 13 item 3).
//
// Input: one flag byte, then NUL-separated parts: the Email's message, then
// trace header name/value pairs (NUL never occurs in an acceptable header
// section, so it cannot hide anything the message parser would see). Flag
// bit 0 restores every trace header name ("*", what a careless whitelist
// does) instead of the default whitelist.
//
// Property: what we authenticated is what the MTA will show. For every
// message whose From the parser accepts (domain F), the restored message
// handed to the MTA, parsed again the same way, has exactly one From mailbox
// with the same address, and exactly the fields we meant to put there (ours,
// the restored trace headers, the message's own) and no others. An accepted
// From is within the limits of D3 (docs: issue 13): at most 2,048 bytes and
// no RFC 2047 encoded word in the address.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "imf/auth_results.h"
#include "imf/header_section.h"
#include "imf/idna.h"
#include "imf/origin_from.h"
#include "imf/restore.h"

using namespace smtpsec;

namespace {

constexpr std::string_view kReceived =
    "Received: from mx.a.test ([192.0.2.1])\r\n\tby mx.b.test with SMTPSEC id 7; Tue, 1 Jul 2003 10:52:37 "
    "+0000\r\n";

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && !std::strchr("()<>@,;:\\\"/[]?.=", c);
}

// An RFC 2047 encoded word "=?charset?B|Q?text?=" anywhere in `text`.
bool has_encoded_word(std::string_view text) {
    for (std::size_t at = text.find("=?"); at != std::string_view::npos; at = text.find("=?", at + 1)) {
        std::size_t i = at + 2, start = i;
        while (i < text.size() && is_token_char(text[i])) ++i;
        if (i == start || i + 3 > text.size() || text[i] != '?') continue;
        const char enc = text[i + 1];
        if (!std::strchr("BbQq", enc) || text[i + 2] != '?') continue;
        i += 3;
        while (i < text.size() && text[i] != '?' && static_cast<unsigned char>(text[i]) > 32) ++i;
        if (i + 1 < text.size() && text[i] == '?' && text[i + 1] == '=') return true;
    }
    return false;
}

const imf::HeaderField* the_from(const imf::ParsedMessage& parsed) {
    const imf::HeaderField* from = nullptr;
    for (const auto& f : parsed.fields)
        if (imf::equals_ignore_case(f.name, "From")) from = &f;
    return from;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool restore_all = data[0] & 1;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::string_view> parts;
    for (std::size_t nul; (nul = rest.find('\0')) != std::string_view::npos;) {
        parts.push_back(rest.substr(0, nul));
        rest.remove_prefix(nul + 1);
    }
    parts.push_back(rest);

    Email email;
    email.message = Bytes::copy_of(parts[0]);
    for (std::size_t i = 1; i + 1 < parts.size() && email.trace_headers.size() < 16; i += 2)
        email.trace_headers.push_back(Header{std::string(parts[i]), std::string(parts[i + 1])});

    auto parsed = imf::parse_message(email.message.view());
    auto from = imf::origin_mailbox(email.message.view());
    if (!from) {
        check(!from.error().reason.empty(), "a refusal without a reason");
        return 0;
    }
    check(parsed.has_value(), "From accepted in a message that does not parse");
    const imf::HeaderField* field = the_from(*parsed);
    check(field != nullptr, "From accepted without a From field");
    check(from->address == from->local_part + "@" + from->domain, "address is not local@domain");
    check(!from->domain.empty() && !from->local_part.empty(), "empty local part or domain");

    // D3: what the MTA would alter is refused. SMTPSEC_FUZZ_SKIP_D3=1 skips
    // these two checks (to fuzz the rest on code that predates the limits).
    static const bool skip_d3 = std::getenv("SMTPSEC_FUZZ_SKIP_D3") != nullptr;
    if (!skip_d3) {
        check(field->value.size() <= 2048, "D3: From field longer than 2,048 bytes accepted");
        check(!has_encoded_word(from->address), "D3: encoded word in the From address accepted");
    }

    // The lookup form of the domain (origin_auth.cc); only must not crash.
    (void)imf::domain_to_a_label(from->domain);

    imf::TraceWhitelist whitelist = imf::TraceWhitelist::defaults();
    if (restore_all) whitelist = imf::TraceWhitelist{{}, {""}};
    const std::string authserv_id = "mx.b.test";
    auto auth_results = imf::format_authentication_results({authserv_id, from->domain_lower, "mx.a.test"});
    std::string own_auth = auth_results ? *auth_results : std::string();
    auto restored = imf::restore_for_smtp(email, whitelist, kReceived, own_auth, authserv_id);
    check(restored.has_value(), "a message whose From was read cannot be restored");

    std::string out = restored->head;
    out.append(restored->body.view());
    auto again = imf::parse_message(out);
    check(again.has_value(), "the restored message does not parse");
    auto shown = imf::origin_mailbox(*again);
    check(shown.has_value(), "the restored message has no single From mailbox");
    check(shown->address == from->address, "the restored From is not the authenticated one");

    // Exactly the fields we meant: ours, restored trace headers, the message's own.
    const std::size_t ours = own_auth.empty() ? 1 : 2;
    const std::size_t restored_trace = email.trace_headers.size() - restored->dropped_trace_headers;
    const std::size_t own_fields = parsed->fields.size() - restored->removed_auth_results;
    check(again->fields.size() == ours + restored_trace + own_fields,
          "restoring changed the number of fields");
    std::size_t k = ours;
    for (const auto& h : email.trace_headers) {
        const bool forged = imf::equals_ignore_case(h.name, imf::auth_results_name) &&
                            imf::is_forged_auth_results(h.value, authserv_id);
        const bool from = imf::equals_ignore_case(h.name, "From");
        if (!whitelist.allows(h.name) || forged || from || !imf::is_restorable(h)) continue;
        check(k < again->fields.size(), "fewer restored trace fields than expected");
        const auto& f = again->fields[k++];
        check(f.name == h.name && imf::value_without_leading_space(f) == h.value,
              "a restored trace field is not the Email's header");
    }
    check(k == ours + restored_trace, "the restored trace fields are not the Email's");
    check(again->body == parsed->body && again->has_separator == parsed->has_separator, "the body moved");
    return 0;
}

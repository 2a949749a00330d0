// See restore.h.
#include "imf/restore.h"

#include "imf/auth_results.h"
#include "imf/field_edit.h"
#include "imf/header_section.h"

namespace smtpsec::imf {
namespace {

bool is_field_text(std::string_view field) {
    return field.empty() || (field.size() >= 2 && field.substr(field.size() - 2) == "\r\n");
}

}  // namespace

Expected<RestoredMessage, ImfError> restore_for_smtp(const Email& email, const TraceWhitelist& whitelist,
                                                     std::string_view own_received,
                                                     std::string_view auth_results,
                                                     std::string_view authserv_id) {
    if (!is_field_text(own_received) || !is_field_text(auth_results))
        return Unexpected<ImfError>{ImfError{"restore: a header field to add does not end in CRLF", 0}};
    std::string_view message = email.message.view();
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};

    RestoredMessage out;
    std::size_t trace_size = 0;
    for (const auto& h : email.trace_headers) trace_size += h.name.size() + h.value.size() + 4;
    out.head.reserve(own_received.size() + auth_results.size() + trace_size + parsed->body_offset + 2);
    out.head.append(own_received);
    out.head.append(auth_results);
    for (const auto& h : email.trace_headers) {
        bool forged = equals_ignore_case(h.name, auth_results_name) &&
                      is_forged_auth_results(h.value, authserv_id);
        // A From among the trace headers would give the MTA a second From
        // above the one authenticated (docs/decisions.md point 22): never
        // restored, even when the whitelist allows every name.
        bool from = equals_ignore_case(h.name, "From");
        if (!whitelist.allows(h.name) || forged || from || !is_restorable(h)) {
            ++out.dropped_trace_headers;
            continue;
        }
        append_field(out.head, h.name, h.value);
    }
    for (const auto& f : parsed->fields) {
        if (equals_ignore_case(f.name, auth_results_name) && is_forged_auth_results(f.value, authserv_id)) {
            ++out.removed_auth_results;
            continue;
        }
        out.head.append(message.substr(f.offset, f.length));
        if (!f.terminated) out.head.append("\r\n");
    }
    if (parsed->has_separator) {
        out.head.append("\r\n");
        out.body = email.message.slice(parsed->body_offset, message.size() - parsed->body_offset);
    }
    return out;
}

}  // namespace smtpsec::imf

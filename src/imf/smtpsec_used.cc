// See smtpsec_used.h.
#include "imf/smtpsec_used.h"

#include "imf/field_edit.h"
#include "imf/header_section.h"

namespace smtpsec::imf {

bool is_smtpsec_used(std::string_view field_name) { return equals_ignore_case(field_name, smtpsec_used_name); }

Expected<Stripped, ImfError> remove_smtpsec_used(std::string_view message) {
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};
    Stripped out;
    out.message = copy_without_fields(message, *parsed, [&](const HeaderField& f) {
        bool drop = is_smtpsec_used(f.name);
        if (drop) ++out.removed;
        return drop;
    });
    return out;
}

Expected<std::string, ImfError> add_smtpsec_used(std::string_view message) {
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};
    for (const auto& f : parsed->fields)
        if (is_smtpsec_used(f.name)) return std::string(message);
    std::string out;
    out.reserve(message.size() + smtpsec_used_name.size() + 3);
    append_field(out, smtpsec_used_name, "");
    out.append(message);
    return out;
}

Expected<TraceSplit, ImfError> prepare_for_signing(std::string_view message) {
    auto split = extract_trace_headers(message);
    if (!split) return split;
    auto with_header = add_smtpsec_used(split->message);
    if (!with_header) return Unexpected<ImfError>{with_header.error()};
    split->message = std::move(*with_header);
    return split;
}

}  // namespace smtpsec::imf

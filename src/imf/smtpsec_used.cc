// See smtpsec_used.h.
#include "imf/smtpsec_used.h"

#include "imf/field_edit.h"
#include "imf/header_section.h"
#include "imf/trace_headers.h"

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
    // extract_trace_headers + add_smtpsec_used in one pass over the header
    // section and one copy of the message (it may be tens of MiB).
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};
    TraceSplit out;
    std::size_t block = 0;
    while (block < parsed->fields.size() && equals_ignore_case(parsed->fields[block].name, "Received")) {
        const auto& f = parsed->fields[block];
        out.trace_headers.push_back(Header{std::string(f.name), std::string(value_without_leading_space(f))});
        ++block;
    }
    std::size_t rest = block == 0 ? 0 : parsed->fields[block - 1].offset + parsed->fields[block - 1].length;
    std::string_view tail = message.substr(rest);
    if (rest != 0) {
        // What is left must be a message of its own (the header is short:
        // parsing it again is cheap; the copy below is what costs).
        parsed = parse_message(tail);
        if (!parsed) return Unexpected<ImfError>{parsed.error()};
    }
    bool has_used = false;
    for (const auto& f : parsed->fields)
        if (is_smtpsec_used(f.name)) has_used = true;
    out.message.reserve(tail.size() + smtpsec_used_name.size() + 3);
    if (!has_used) append_field(out.message, smtpsec_used_name, "");
    out.message.append(tail);
    return out;
}

}  // namespace smtpsec::imf

// See smtpsec_used.h.
#include "imf/smtpsec_used.h"

#include "imf/field_edit.h"
#include "imf/header_section.h"
#include "imf/trace_headers.h"

namespace smtpsec::imf {

bool is_smtpsec_used(std::string_view field_name) {
    return equals_ignore_case(field_name, smtpsec_used_name);
}

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

Expected<PreparedInPlace, ImfError> prepare_for_signing_in_place(std::string& message) {
    // extract_trace_headers + add_smtpsec_used in one pass over the header
    // section, without copying the body.
    auto parsed = parse_message(message);
    if (!parsed) return Unexpected<ImfError>{parsed.error()};
    PreparedInPlace out;
    ReceivedBlock block = top_received_block(*parsed);
    out.trace_headers = std::move(block.trace_headers);
    const std::size_t rest = block.end;
    if (rest != 0) {
        // What is left must be a message of its own (the header is short:
        // parsing it again is cheap; copying the body is what costs).
        parsed = parse_message(std::string_view(message).substr(rest));
        if (!parsed) return Unexpected<ImfError>{parsed.error()};
    }
    bool has_used = false;
    for (const auto& f : parsed->fields)
        if (is_smtpsec_used(f.name)) has_used = true;
    if (has_used) {
        out.offset = rest;
        return out;
    }
    std::string field;
    append_field(field, smtpsec_used_name, "");
    if (rest >= field.size()) {
        out.offset = rest - field.size();
        message.replace(out.offset, field.size(), field);
    } else {
        message.replace(0, rest, field);
        out.offset = 0;
    }
    return out;
}

Expected<TraceSplit, ImfError> prepare_for_signing(std::string_view message) {
    std::string copy(message);
    auto prepared = prepare_for_signing_in_place(copy);
    if (!prepared) return Unexpected<ImfError>{prepared.error()};
    TraceSplit out;
    out.trace_headers = std::move(prepared->trace_headers);
    out.message = prepared->offset == 0 ? std::move(copy) : copy.substr(prepared->offset);
    return out;
}

}  // namespace smtpsec::imf

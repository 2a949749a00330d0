// See field_edit.h.
#include "imf/field_edit.h"

namespace smtpsec::imf {

std::string copy_without_fields(std::string_view message, const ParsedMessage& parsed,
                                const std::function<bool(const HeaderField&)>& drop) {
    std::string out;
    out.reserve(message.size() + 2);
    for (const auto& f : parsed.fields) {
        if (drop(f)) continue;
        out.append(message.substr(f.offset, f.length));
        if (!f.terminated) out.append("\r\n");
    }
    out.append(message.substr(parsed.header_end));
    return out;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(value.empty() ? ":" : ": ");
    out.append(value);
    out.append("\r\n");
}

}  // namespace smtpsec::imf

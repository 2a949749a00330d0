// See forwarded.h.
#include "milter/forwarded.h"

#include "imf/header_section.h"

namespace smtpsec::milter {

std::string_view name_of(ForwardMatch match) {
    switch (match) {
    case ForwardMatch::kept: return "signature kept";
    case ForwardMatch::changed: return "message changed at this site";
    case ForwardMatch::no_marker: return "no marker";
    }
    return "?";
}

ForwardRecognition recognise_forward(const std::vector<SeenField>& fields, std::size_t marker_index,
                                     std::string_view body, std::string_view original) {
    ForwardRecognition out;
    if (marker_index >= fields.size() ||
        !imf::equals_ignore_case(fields[marker_index].name, forward_marker_name))
        return out;
    for (std::size_t i = 0; i < marker_index; ++i)
        if (imf::equals_ignore_case(fields[i].name, "Received"))
            out.hops.push_back({fields[i].name, fields[i].value});
    // The message below the marker, as the MTA will deliver it: our
    // restored trace block, then (when nothing changed) the original bytes.
    // Compared from the end, so that no copy of the body is made.
    std::size_t below = 2 + body.size();  // the empty line and the body
    for (std::size_t i = marker_index + 1; i < fields.size(); ++i) below += fields[i].bytes.size();
    out.match = ForwardMatch::changed;
    if (original.size() > below) return out;
    // body
    if (original.size() <= body.size()) {
        // The original cannot be shorter than its own header section plus
        // the empty line; a body-only match is no match.
        return out;
    }
    const std::size_t head_part = original.size() - body.size();  // header bytes + CRLF of the original
    if (original.substr(head_part) != body) return out;
    if (original.substr(head_part - 2, 2) != "\r\n") return out;
    // The header part of the original must equal the last fields' bytes.
    std::string_view want = original.substr(0, head_part - 2);
    std::size_t i = fields.size();
    while (!want.empty() && i > marker_index + 1) {
        const std::string& f = fields[--i].bytes;
        if (f.size() > want.size() || want.substr(want.size() - f.size()) != f) return out;
        want.remove_suffix(f.size());
    }
    if (want.empty()) out.match = ForwardMatch::kept;
    return out;
}

}  // namespace smtpsec::milter

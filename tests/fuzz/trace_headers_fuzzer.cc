// libFuzzer target for trace-header validation (docs/decisions.md points 13 and
// 14): the trace headers of an Email come from the network unsigned, and the
// receiving gateway writes the ones is_restorable() accepts into the message it
// hands to the MTA.
//
// Input: one flag byte, then NUL-separated parts. Flag bit 0 clear: the parts
// are header name/value pairs, each checked alone. Set: the first part is a
// message whose Received block extract_trace_headers() takes out (the
// sending side), and the pairs are restored above what is left.
//
// Properties: an accepted header contains no bare CR or LF and no CRLF that
// is not folding; restoring it yields exactly one field, with its name and
// value, whatever surrounds it: it never ends the header section and never
// injects another field.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imf/field_edit.h"
#include "imf/header_section.h"
#include "imf/trace_headers.h"

using namespace smtpsec;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

// Every CR is followed by LF and then a space or tab, every LF preceded by CR.
bool only_folding_breaks(std::string_view v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\r' && !(i + 2 < v.size() && v[i + 1] == '\n' && (v[i + 2] == ' ' || v[i + 2] == '\t')))
            return false;
        if (v[i] == '\n' && (i == 0 || v[i - 1] != '\r')) return false;
    }
    return true;
}

void check_alone(const Header& h) {
    if (!imf::is_restorable(h)) return;
    check(only_folding_breaks(h.value), "accepted value has a CR or LF outside folding");
    check(h.value.find('\0') == std::string::npos, "accepted value has a NUL");
    // Between two ordinary fields, and as the last field before the body.
    for (std::string_view after :
         {std::string_view("Subject: s\r\n\r\nbody"), std::string_view("\r\nbody")}) {
        std::string message = "From: a@a.test\r\n";
        imf::append_field(message, h.name, h.value);
        message.append(after);
        auto parsed = imf::parse_message(message);
        check(parsed.has_value(), "a restored trace header breaks the header section");
        const std::size_t expected = after.starts_with("Subject") ? 3 : 2;
        check(parsed->fields.size() == expected, "a restored trace header is not exactly one field");
        check(parsed->fields[1].name == h.name, "the restored field has another name");
        check(imf::value_without_leading_space(parsed->fields[1]) == h.value, "the restored value changed");
        check(parsed->body == "body", "a restored trace header moved the body");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool with_message = data[0] & 1;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::string_view> parts;
    for (std::size_t nul; (nul = rest.find('\0')) != std::string_view::npos;) {
        parts.push_back(rest.substr(0, nul));
        rest.remove_prefix(nul + 1);
    }
    parts.push_back(rest);

    std::vector<Header> headers;
    std::size_t first_pair = with_message ? 1 : 0;
    for (std::size_t i = first_pair; i + 1 < parts.size() && headers.size() < 16; i += 2)
        headers.push_back(Header{std::string(parts[i]), std::string(parts[i + 1])});
    if (!with_message) {
        if (parts.size() == 1) headers.push_back(Header{"Received", std::string(parts[0])});
        for (const auto& h : headers) check_alone(h);
        return 0;
    }

    // The sending side: the Received block out of the message.
    auto split = imf::extract_trace_headers(parts[0]);
    if (!split) return 0;
    auto original = imf::parse_message(parts[0]);
    check(original.has_value(), "extracted from a message that does not parse");
    auto left = imf::parse_message(split->message);
    check(left.has_value(), "what is left after extraction does not parse");
    check(left->fields.size() + split->trace_headers.size() == original->fields.size(),
          "extraction lost or added fields");
    check(left->body == original->body, "extraction changed the body");

    // The receiving side: extracted and given headers restored above the rest.
    std::vector<Header> all = split->trace_headers;
    all.insert(all.end(), headers.begin(), headers.end());
    std::string restored;
    std::size_t kept = 0;
    for (const auto& h : all) {
        check_alone(h);
        if (!imf::is_restorable(h)) continue;
        imf::append_field(restored, h.name, h.value);
        ++kept;
    }
    restored.append(split->message);
    auto again = imf::parse_message(restored);
    check(again.has_value(), "the restored message does not parse");
    check(again->fields.size() == kept + left->fields.size(), "restoring changed the number of fields");
    check(again->body == original->body, "restoring changed the body");
    return 0;
}

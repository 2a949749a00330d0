// See status_code.h.
#include "queue/status_code.h"

#include <cctype>

namespace smtpsec::queue {
namespace {

// Longest first where one name contains another.
constexpr std::pair<std::string_view, std::string_view> error_statuses[] = {
    {"unknown_address", "5.1.1"},        {"too_large", "5.3.4"},       {"authentication_failed", "5.7.1"},
    {"insufficient_security", "5.7.10"}, {"illegal_message", "5.6.0"}, {"illegal_parameter", "5.5.4"},
};

bool digits(std::string_view s) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

std::string smtpsec_status(std::string_view detail) {
    for (auto [name, status] : error_statuses)
        if (detail.find(name) != std::string_view::npos) return std::string(status);
    return "5.0.0";
}

std::string smtp_status(int code, std::string_view text) {
    char cls = code >= 500 ? '5' : '4';
    // The injector's text starts with the reply code: "550 5.1.1 rest".
    if (text.size() > 4 && digits(text.substr(0, 3)) && text[3] == ' ') text.remove_prefix(4);
    // "5.1.1 rest": class.subject.detail, each number 1-3 digits.
    auto space = text.find(' ');
    std::string_view first = text.substr(0, space);
    auto dot1 = first.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : first.find('.', dot1 + 1);
    if (dot2 != std::string_view::npos && !first.empty() && first[0] == cls && dot1 == 1 &&
        digits(first.substr(dot1 + 1, dot2 - dot1 - 1)) && digits(first.substr(dot2 + 1)))
        return std::string(first);
    return std::string(1, cls) + ".0.0";
}

}  // namespace smtpsec::queue

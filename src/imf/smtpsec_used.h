// The `SMTPsec-Used:` header field (docs/decisions.md point 23).
//
// Why: it tells the reader's mail program that the mail travelled over
// SMTPsec, so a forged one must never reach a mailbox: every gateway removes
// it from mail arriving or leaving over plain SMTP, and the sending gateway
// adds it, exactly `SMTPsec-Used:` CRLF as the first field, before signing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "imf/error.h"
#include "imf/trace_headers.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

inline constexpr std::string_view smtpsec_used_name = "SMTPsec-Used";

bool is_smtpsec_used(std::string_view field_name);  // case-insensitive

struct Stripped {
    std::string message;
    std::size_t removed = 0;
};
// Every SMTPsec-Used field removed, whatever its case or value.
Expected<Stripped, ImfError> remove_smtpsec_used(std::string_view message);

// `SMTPsec-Used:` CRLF prepended unless a field of that name (any case) is
// already present; then the message is returned unchanged.
Expected<std::string, ImfError> add_smtpsec_used(std::string_view message);

// What the sending gateway signs: the top Received block moved out into the
// envelope's trace headers, then SMTPsec-Used added as the first field. (In
// that order: added first, it would sit above the Received block and end it.)
Expected<TraceSplit, ImfError> prepare_for_signing(std::string_view message);

// The same without copying the message (tens of MiB): rewrites `message` so
// that prepare_for_signing's result is message.substr(offset). The field is
// written over the end of the Received block being removed when it fits
// (it does whenever there is one), else the front is replaced.
struct PreparedInPlace {
    std::vector<Header> trace_headers;
    std::size_t offset = 0;
};
Expected<PreparedInPlace, ImfError> prepare_for_signing_in_place(std::string& message);

}  // namespace smtpsec::imf

// SMTP client command text and EHLO capabilities (RFC 5321, 2920, 6152,
// 6531, 1870), kept apart from the connection state machine.
//
// Why: what goes on the wire is decided here, as pure functions the tests
// pin byte for byte; addresses that could break a command line (CR, LF,
// angle brackets, white space outside a quoted local part) are refused here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mta/reply.h"

namespace smtpsec::mta {

struct EhloCapabilities {
    bool pipelining = false;
    bool smtputf8 = false;
    bool eight_bit_mime = false;
    bool size = false;
    std::uint64_t size_limit = 0;  // 0: no limit announced
};

// Keywords from the lines after the first of a 250 EHLO reply.
EhloCapabilities parse_ehlo(const SmtpReply& reply);

// An address usable in MAIL FROM:<...> or RCPT TO:<...>: no control
// characters, no '<' or '>', no white space except inside a quoted local
// part. The empty address (the null reverse-path) is allowed only if
// `allow_empty`.
bool is_usable_path(std::string_view address, bool allow_empty);

struct MailParameters {
    std::uint64_t size = 0;  // SIZE=, sent when non-zero
    bool body_8bitmime = false;
    bool smtputf8 = false;
};

std::string ehlo_command(std::string_view name);                                // "EHLO name\r\n"
std::string mail_command(std::string_view from, const MailParameters& params);  // "MAIL FROM:<..> ...\r\n"
std::string rcpt_command(std::string_view to);                                  // "RCPT TO:<..>\r\n"

}  // namespace smtpsec::mta

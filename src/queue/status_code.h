// RFC 3463 status codes for delivery status notifications.
//
// Why: a DSN's Status field is what the sender's software acts on; it is
// derived from why delivery failed (an SMTPsec ErrorCode name in the
// outbound detail, an SMTP reply from the MTA, or our own reason).
#pragma once

#include <string>
#include <string_view>

namespace smtpsec::queue {

// For an SMTPsec permanent failure: the ErrorCode named in `detail`
// (unknown_address -> 5.1.1, too_large -> 5.3.4, ...), 5.0.0 if none.
std::string smtpsec_status(std::string_view detail);

// For an SMTP reply text ("550 5.1.1 ..." or without the code): its enhanced status code when it starts with one
// of the right class, else "<class>.0.0" from the reply code.
std::string smtp_status(int code, std::string_view text);

inline constexpr std::string_view expired_status = "4.4.7";             // delivery time expired
inline constexpr std::string_view security_required_status = "5.7.10";  // as RFC 8689 REQUIRETLS
inline constexpr std::string_view delayed_status = "4.0.0";

}  // namespace smtpsec::queue

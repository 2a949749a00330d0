// How the server's answer to an Email maps to each recipient (point 18):
// EmailDelivered delivers all; unknown_address refuses the listed ones
// permanently and delivers the rest; service_unavailable and internal_error
// are temporary; every other Error is permanent for all.
//
// An unknown_address that names no address, or an address that is not a
// recipient of the Email it references, is not an answer we can act on: the
// server has lost track of which Email it answers, so its word that the
// other recipients were delivered is worth nothing either (issue 13). The
// caller defers the Email and ends the connection.
#pragma once

#include <optional>

#include "outbound/outbound_email.h"
#include "session/client_session.h"

namespace smtpsec::outbound {

std::vector<RecipientOutcome> outcomes_for(const OutboundEmail& email, const session::EmailAnswer& answer,
                                           const std::string& server);

// Why `answer` cannot be trusted for `email`, or nothing when it can.
std::optional<std::string> answer_problem(const OutboundEmail& email, const session::EmailAnswer& answer);

// Every recipient of `email` with the same status and detail.
std::vector<RecipientOutcome> all_recipients(const OutboundEmail& email, RecipientStatus status,
                                             const std::string& detail);

}  // namespace smtpsec::outbound

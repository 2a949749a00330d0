// How the server's answer to an Email maps to each recipient (point 18):
// EmailDelivered delivers all; unknown_address refuses the listed ones
// permanently and delivers the rest; service_unavailable and internal_error
// are temporary; every other Error is permanent for all.
#pragma once

#include <optional>

#include "outbound/outbound_email.h"
#include "session/client_session.h"

namespace smtpsec::outbound {

std::vector<RecipientOutcome> outcomes_for(const OutboundEmail& email,
                                           const session::EmailAnswer& answer,
                                           const std::string& server);

// Every recipient of `email` with the same status and detail.
std::vector<RecipientOutcome> all_recipients(const OutboundEmail& email, RecipientStatus status,
                                             const std::string& detail);

}  // namespace smtpsec::outbound

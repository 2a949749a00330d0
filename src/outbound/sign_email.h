// Builds the Email Message for an OutboundEmail: signs its message with the
// gateway's identity (chain 0 of our ClientHello) and attaches trace headers
// and require_security.
#pragma once

#include <string>

#include "outbound/outbound_email.h"
#include "smtpsec/expected.h"
#include "smtpsec/signature.h"

namespace smtpsec::outbound {

Expected<Message, std::string> sign_email(const SigningKey& key, const OutboundEmail& email);

}  // namespace smtpsec::outbound

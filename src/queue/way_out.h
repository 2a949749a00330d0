// Where a queued recipient goes when its domain has no SMTPsec (the
// Transport said use_smtp): the one place that turns the Email's
// require_security (docs/decisions.md point 19) into a way out.
//
// Why a file of its own: this is the downgrade the protocol exists to
// prevent (issue 16). Without a requirement the MTA sends it by SMTP as it
// would have; with require_security = 0 it may leave by SMTP only over
// verified TLS, through the MTA's secure hand-back service
// (contrib/postfix/master.cf.snippet, [reinject] secure_address); with 1 it
// never leaves by SMTP and the sender gets a DSN. Pure, so that every branch
// is tested without a queue.
#pragma once

#include <string_view>

#include "queue/envelope.h"

namespace smtpsec::queue {

enum class WayOut {
    hand_back,               // no requirement: the MTA's ordinary re-injection port
    hand_back_verified_tls,  // require_security = 0: the secure hand-back port
    bounce,                  // require_security = 1: a DSN says why (5.7.10)
};

inline WayOut way_out_without_smtpsec(const Envelope& e) {
    if (!e.require_security) return WayOut::hand_back;
    return e.tls_suffices ? WayOut::hand_back_verified_tls : WayOut::bounce;
}

// The Email's require_security value when it goes out over SMTPsec.
inline std::uint8_t require_security_value(const Envelope& e) { return e.tls_suffices ? 0 : 1; }

// For the log line of a recipient handed back that way.
inline std::string_view handback_note(WayOut way) {
    return way == WayOut::hand_back_verified_tls
               ? "no SMTPsec for the domain; given to the MTA to leave by SMTP over verified TLS only"
               : "no SMTPsec for the domain; given to the MTA";
}

}  // namespace smtpsec::queue

// How one connection to one address of one SRV target ended, as a value the
// Deliverer decides on (docs/outbound.md), never as text to match. The text
// that goes with it (`Ending::detail`) is for logs and reports only.
#pragma once

#include <string>
#include <string_view>

namespace smtpsec::outbound {

enum class ConnectionOutcome {
    // Before the session started (nothing was delivered on this connection):
    local_failure,           // we could not open a socket (descriptors, memory)
    connect_refused,         // the address answered the SYN with a reset
    connect_unreachable,     // no route, address family unusable, ICMP unreachable
    connect_timeout,         // the SYN was never answered in time
    tls_timeout,             // TCP up, the TLS handshake did not finish in time
    tls_failure,             // the TLS handshake failed (alert, bad record, reset)
    authentication_failure,  // the server's certificate failed point 21
    hello_timeout,           // TLS and authentication done, no ServerHello in time
    session_failure,         // the SMTPsec session failed (protocol error, Error, close)
    internal_fault,          // a fault in our own code while handling this connection
    // After the session started:
    closed,          // closed in order, every Email answered
    answer_timeout,  // an Email stayed unanswered for `answer` seconds
    lost,            // the session failed or the connection dropped
};

std::string_view name_of(ConnectionOutcome outcome);

// The outcome of a TCP connect that failed with `error` (an errno), from
// socket() when `at_socket`, else from connect() or its completion.
ConnectionOutcome connect_outcome(int error, bool at_socket);

struct Ending {
    ConnectionOutcome outcome = ConnectionOutcome::session_failure;
    bool established = false;  // the session had started (ServerHello read)
    std::string detail;        // for logs and reports, never decided on
};

// What the Deliverer does after a connection that ended before its session
// started (docs/outbound.md, "Fallback"):
enum class NextStep {
    next_address,  // the host may be reachable another way: its next address
    next_target,   // this host cannot take the mail: the next SRV target
    stop,          // no other server would fare better now: defer everything
};

std::string_view name_of(NextStep step);

NextStep next_step_after(ConnectionOutcome outcome);

}  // namespace smtpsec::outbound

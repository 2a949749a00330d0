// See attempt_outcome.h; the reasons for each rule are in docs/outbound.md.
#include "outbound/attempt_outcome.h"

#include <cerrno>

namespace smtpsec::outbound {

std::string_view name_of(ConnectionOutcome outcome) {
    switch (outcome) {
    case ConnectionOutcome::local_failure: return "local_failure";
    case ConnectionOutcome::connect_refused: return "connect_refused";
    case ConnectionOutcome::connect_unreachable: return "connect_unreachable";
    case ConnectionOutcome::connect_timeout: return "connect_timeout";
    case ConnectionOutcome::tls_timeout: return "tls_timeout";
    case ConnectionOutcome::tls_failure: return "tls_failure";
    case ConnectionOutcome::authentication_failure: return "authentication_failure";
    case ConnectionOutcome::hello_timeout: return "hello_timeout";
    case ConnectionOutcome::session_failure: return "session_failure";
    case ConnectionOutcome::internal_fault: return "internal_fault";
    case ConnectionOutcome::closed: return "closed";
    case ConnectionOutcome::answer_timeout: return "answer_timeout";
    case ConnectionOutcome::lost: return "lost";
    }
    return "?";
}

ConnectionOutcome connect_outcome(int error, bool at_socket) {
    if (at_socket) {
        // This machine cannot speak the address family (IPv6 disabled):
        // a property of the path to this address, not of our resources.
        if (error == EAFNOSUPPORT || error == EPROTONOSUPPORT) return ConnectionOutcome::connect_unreachable;
        return ConnectionOutcome::local_failure;  // EMFILE, ENFILE, ENOBUFS, ENOMEM
    }
    switch (error) {
    case ECONNREFUSED: return ConnectionOutcome::connect_refused;
    case ETIMEDOUT: return ConnectionOutcome::connect_timeout;  // the kernel gave up first
    default:
        // ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, EACCES (a local
        // firewall), ...: this address cannot be reached from here.
        return ConnectionOutcome::connect_unreachable;
    }
}

std::string_view name_of(NextStep step) {
    switch (step) {
    case NextStep::next_address: return "next_address";
    case NextStep::next_target: return "next_target";
    case NextStep::stop: return "stop";
    }
    return "?";
}

NextStep next_step_after(ConnectionOutcome outcome) {
    switch (outcome) {
    // The path to this address failed, not the server: RFC 5321 section 5.1
    // asks the client to try each address of a host in turn, and a broken
    // IPv6 path (the AAAA never answers, or large TLS records vanish in a
    // path-MTU black hole) is common while IPv4 works.
    case ConnectionOutcome::connect_refused:
    case ConnectionOutcome::connect_unreachable:
    case ConnectionOutcome::connect_timeout:
    case ConnectionOutcome::tls_timeout: return NextStep::next_address;
    // The server itself answered and cannot take the mail, and every address
    // of a host serves the same certificate, TLSA and software: point 21
    // ("any failure: try the next SRV target") and the thesis (6.1: if an
    // error occurs, try the next host).
    case ConnectionOutcome::tls_failure:
    case ConnectionOutcome::authentication_failure:
    case ConnectionOutcome::hello_timeout:
    case ConnectionOutcome::session_failure:
    case ConnectionOutcome::internal_fault: return NextStep::next_target;
    // Our own resources are short: every other address would fail the same
    // way, and walking them would only turn a retry into a long list of
    // identical failures.
    // A session that started has delivered or owes answers: its Emails are
    // reported, not moved (the Deliverer never asks for these).
    case ConnectionOutcome::local_failure:
    case ConnectionOutcome::closed:
    case ConnectionOutcome::answer_timeout:
    case ConnectionOutcome::lost: return NextStep::stop;
    }
    return NextStep::stop;
}

}  // namespace smtpsec::outbound

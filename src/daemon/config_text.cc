// The small text forms of config.h's types, for messages and logs.
#include <fmt/core.h>

#include "daemon/config.h"

namespace smtpsec::daemon {

std::string_view name_of(FailureAction action) {
    switch (action) {
    case FailureAction::tempfail: return "tempfail";
    case FailureAction::accept: return "accept";
    case FailureAction::reject: return "reject";
    }
    return "tempfail";
}

std::string_view name_of(UnauthenticatedRule rule) {
    return rule == UnauthenticatedRule::reject ? "reject" : "allow";
}

std::string HostPort::to_string() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

std::string ConfigProblem::to_string() const {
    if (line == 0) return fmt::format("{}: {}", file, reason);
    return fmt::format("{}:{}: {}", file, line, reason);
}

}  // namespace smtpsec::daemon

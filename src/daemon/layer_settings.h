// Config -> the settings each layer takes.
//
// Why: the layers below the daemon know nothing of the config file (they
// are tested and benchmarked without one); this is the one place where a
// config value turns into a layer's setting, so a reload and a start build
// exactly the same thing.
#pragma once

#include <memory>
#include <string>

#include "daemon/config.h"
#include "inbound/connection.h"
#include "mta/injector.h"
#include "outbound/connection.h"
#include "tls/auth.h"

namespace smtpsec::daemon {

// Throws std::runtime_error naming the file when a certificate or key
// cannot be used, or the authorisation file has problems (load_config already checked them; this catches a file
// changed since).
inbound::InboundSettings inbound_settings(const Config& config);
mta::InjectorConfig injector_config(const Config& config, const HostPort& address);
outbound::Timeouts outbound_timeouts(const Config& config);
std::shared_ptr<const tls::AuthPolicy> auth_policy(const Config& config);

// [listener] authorisation_file read and checked: null when none is set;
// the problems as "FILE:LINE: reason" when it does not parse (smtpsecd -n
// lists them; a start or reload is refused).
Expected<std::shared_ptr<const inbound::SenderAuthorisation>, std::vector<ConfigProblem>>
inbound_authorisation(const Config& config);

// "X-*" -> prefix "X-", anything else an exact name.
imf::TraceWhitelist trace_whitelist(const std::vector<std::string>& patterns);

double seconds(Duration d);

}  // namespace smtpsec::daemon

// An owned libunbound context, configured and checked at start-up.
//
// Why: a context without a trust anchor, or with validation switched off,
// reports every answer as "insecure", which the verdict logic would read as
// "fall back to SMTP": a silent downgrade. So configuration is finalized and
// checked here, and failures are thrown before any mail is handled.
#pragma once

#include <memory>

#include "dns/config.h"

struct ub_ctx;

namespace smtpsec::dns {

struct UbContextDeleter {
    void operator()(ub_ctx* ctx) const noexcept;
};
using UbContext = std::unique_ptr<ub_ctx, UbContextDeleter>;

// A context in asynchronous (thread) mode, configured from `config`.
// Throws ConfigError.
UbContext make_unbound_context(const ResolverConfig& config);

}  // namespace smtpsec::dns

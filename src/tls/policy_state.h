// What an AuthPolicy holds, for authenticate.cc only (keeps GnuTLS and
// OpenSSL handles out of the public header).
#pragma once

#include "tls/auth.h"
#include "tls/ct_log_store.h"
#include "tls/x509_util.h"

namespace smtpsec::tls {

struct AuthPolicy::State {
    TrustList trust;  // the CA store; read-only after start-up
    std::size_t trusted_cas = 0;
    CtLogStore ct_logs;  // read-only after start-up
    CtRequirements ct;
    Clock clock;
};

const AuthPolicy::State& state_of(const AuthPolicy& policy);

}  // namespace smtpsec::tls

// Origin authentication of a received Email (docs/decisions.md point 22):
// exactly one From mailbox, domain F; the signing chain's leaf is valid for a
// target D of F's DNSSEC-secure SRV records (or carries SRVName _smtpsec.F),
// satisfies the TLSA records of _<P>._tcp.<D>, and passes the CA + CT rule
// unless DANE-EE matched; the signature verifies.
//
// The From domain is used in lowercased A-label form (imf/idna.h) for every
// lookup and comparison. Certificate results are remembered briefly for the
// same inputs (auth_cache.h): a connection's Emails share one chain.
//
// The signature is checked first: it is local and cheap, so forged mail costs
// no DNS queries. A DNS answer that is not final (defer) makes the outcome
// temporary, never a refusal: the sender will retry.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dns/resolver.h"
#include "imf/origin_from.h"
#include "inbound/auth_cache.h"
#include "smtpsec/message.h"
#include "tls/auth.h"

namespace smtpsec::inbound {

struct OriginVerdict {
    enum class Kind { authenticated, refused, temporary };
    Kind kind = Kind::refused;
    std::string reason;
    imf::Mailbox from;        // when the From field was readable
    tls::AuthResult auth;     // when authenticated: what matched
    std::string server_name;  // D or SRVName that the certificate matched
};

class OriginAuthenticator {
public:
    using Callback = std::function<void(OriginVerdict)>;

    // `resolver` must outlive every check started; `policy` is shared.
    OriginAuthenticator(dns::Resolver& resolver, std::shared_ptr<const tls::AuthPolicy> policy);

    // Checks `email` signed with `chain` (non-empty). The callback runs once:
    // before check() returns when the refusal needs no DNS (unreadable From,
    // bad signature), else later from the loop, unless the returned handle
    // has been dropped by then.
    [[nodiscard]] std::shared_ptr<void> check(const Email& email, const CertificateChain& chain,
                                              Callback callback);

    // Also forgets the remembered authentication results (auth_cache.h).
    void set_policy(std::shared_ptr<const tls::AuthPolicy> policy);

private:
    struct Check;
    static void next_target(const std::shared_ptr<Check>& check);

    dns::Resolver& resolver_;
    std::shared_ptr<const tls::AuthPolicy> policy_;
    // Shared with running checks, which may finish after a policy reload.
    std::shared_ptr<AuthCache> cache_;
};

}  // namespace smtpsec::inbound

// The gateway's signing identities, one outbound Deliverer per From domain.
//
// Why a class: a Deliverer signs with one key, and holds a reference to it,
// so each identity and its Deliverer live and die together. A reload makes a
// new Signers; the old one is kept until its deliveries in flight finish.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "dns/resolver.h"
#include "outbound/deliverer.h"
#include "smtpsec/signature.h"

namespace smtpsec::daemon {

class Signers {
public:
    // Throws std::runtime_error naming the file when an identity cannot be loaded.
    Signers(event::Loop& loop, dns::Resolver& resolver, const std::vector<SigningConfig>& identities,
            const std::shared_ptr<const tls::AuthPolicy>& policy, outbound::Timeouts timeouts);

    // Null when this gateway has no identity for `domain` (lowercase).
    outbound::Deliverer* for_domain(const std::string& domain);
    std::vector<std::string> domains() const;
    // A Deliverer for forwarded Emails signed by another domain (issue 16,
    // docs/forwarding.md): its ClientHello announces `chain`, the origin's,
    // and it sends only presigned mail. Made on demand, one per chain; idle
    // ones beyond a few dozen are dropped. Null when this gateway has no
    // identity at all (a Deliverer needs a key, never used for such mail).
    outbound::Deliverer* forwarder(const CertificateChain& chain);
    // Deliveries in flight and connections open, over all identities.
    bool idle() const;

private:
    struct Entry {
        SigningIdentity identity;
        std::unique_ptr<outbound::Deliverer> deliverer;
    };
    std::map<std::string, std::unique_ptr<Entry>> by_domain_;
    event::Loop& loop_;
    dns::Resolver& resolver_;
    std::shared_ptr<const tls::Credentials> credentials_;
    std::shared_ptr<const tls::AuthPolicy> policy_;
    outbound::Timeouts timeouts_;
    std::map<std::string, std::unique_ptr<outbound::Deliverer>> forwarders_;  // by the chain's bytes
};

}  // namespace smtpsec::daemon

// The real Discoverer: dns::Resolver's validated lookups (dns/resolver.h).
#pragma once

#include "dns/resolver.h"
#include "outbound/discoverer.h"

namespace smtpsec::outbound {

class ResolverDiscoverer final : public Discoverer {
public:
    // `resolver` must outlive this.
    explicit ResolverDiscoverer(dns::Resolver& resolver) : resolver_(resolver) {}

    event::Request discover(std::string_view domain, DiscoveryCallback callback) override;
    event::Request tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback) override;
    event::Request addresses(std::string_view host, AddressCallback callback) override;

private:
    dns::Resolver& resolver_;
};

}  // namespace smtpsec::outbound

// See resolver_discoverer.h.
//
// The resolver takes plain callbacks: event::cancellable() wraps each one
// so that the Request handed to the Deliverer cancels it. A cancelled
// callback that the resolver still calls does nothing, and a Resolver
// destroyed first drops it unanswered (dns/resolver.h). Nothing refers back
// to this adapter, so it may die before the resolver answers.
#include "outbound/resolver_discoverer.h"

#include <utility>

namespace smtpsec::outbound {

event::Request ResolverDiscoverer::discover(std::string_view domain, DiscoveryCallback callback) {
    auto [call, request] = event::cancellable<const dns::Discovery&>(std::move(callback));
    resolver_.discover(domain, std::move(call));
    return std::move(request);
}

event::Request ResolverDiscoverer::tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback) {
    auto [call, request] = event::cancellable<const dns::TlsaResult&>(std::move(callback));
    resolver_.tlsa(port, host, std::move(call));
    return std::move(request);
}

event::Request ResolverDiscoverer::addresses(std::string_view host, AddressCallback callback) {
    auto [call, request] = event::cancellable<const dns::AddressResult&>(std::move(callback));
    resolver_.addresses(host, std::move(call));
    return std::move(request);
}

}  // namespace smtpsec::outbound

// See resolver_discoverer.h.
//
// Each lookup's callback is held by an event::PendingCall that the
// resolver's own callback owns: the Request returned to the Deliverer is
// linked to it, so a cancelled Request leaves an empty PendingCall that the
// resolver's answer runs to no effect, and a Resolver destroyed first drops
// it unanswered (dns/resolver.h). Nothing refers back to this adapter, so it
// may die before the resolver answers.
#include "outbound/resolver_discoverer.h"

#include <memory>
#include <utility>

namespace smtpsec::outbound {
namespace {

template <class Result, class Callback, class Start>
event::Request ask(Callback callback, Start start) {
    auto call = std::make_shared<event::PendingCall<const Result&>>(std::move(callback));
    auto request = call->link();
    start([call](const Result& result) { call->run(result); });
    return request;
}

}  // namespace

event::Request ResolverDiscoverer::discover(std::string_view domain, DiscoveryCallback callback) {
    return ask<dns::Discovery>(std::move(callback),
                               [&](auto answer) { resolver_.discover(domain, std::move(answer)); });
}

event::Request ResolverDiscoverer::tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback) {
    return ask<dns::TlsaResult>(std::move(callback),
                                [&](auto answer) { resolver_.tlsa(port, host, std::move(answer)); });
}

event::Request ResolverDiscoverer::addresses(std::string_view host, AddressCallback callback) {
    return ask<dns::AddressResult>(std::move(callback),
                                   [&](auto answer) { resolver_.addresses(host, std::move(answer)); });
}

}  // namespace smtpsec::outbound

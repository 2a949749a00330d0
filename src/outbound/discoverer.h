// What the Deliverer asks DNS, as an interface: the real resolver answers
// through ResolverDiscoverer (resolver_discoverer.h); tests/outbound answers
// with a scripted fake, so the Deliverer's walk runs without DNS servers.
//
// Every call returns an event::Request (event/request.h): the callback is
// called once, later, from the loop (never inside the call), unless the
// Request was destroyed or cancelled first. A Deliverer's domain keeps the
// Request of its lookup, so a domain that is gone is never called back.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "dns/verdict.h"
#include "event/request.h"

namespace smtpsec::outbound {

class Discoverer {
public:
    using DiscoveryCallback = std::function<void(const dns::Discovery&)>;
    using TlsaCallback = std::function<void(const dns::TlsaResult&)>;
    using AddressCallback = std::function<void(const dns::AddressResult&)>;

    virtual ~Discoverer() = default;
    // The SRV targets of _smtpsec._tcp.<domain> and the verdict (point 20).
    [[nodiscard]] virtual event::Request discover(std::string_view domain, DiscoveryCallback callback) = 0;
    // The TLSA records of _<port>._tcp.<host> (point 21).
    [[nodiscard]] virtual event::Request tlsa(std::uint16_t port, std::string_view host,
                                              TlsaCallback callback) = 0;
    // The AAAA and A records of `host`.
    [[nodiscard]] virtual event::Request addresses(std::string_view host, AddressCallback callback) = 0;
};

}  // namespace smtpsec::outbound

// Asynchronous, validating DNS lookups for SMTPsec on a libev loop.
//
// Why: delivery decisions need DNSSEC-validated SRV, TLSA and address
// answers without blocking the loop that also drives SMTPsec connections.
// libunbound resolves in its own thread; its result pipe (ub_fd) is watched
// by the loop and ub_process delivers answers there. No thread per lookup.
//
// Rules every method keeps:
//  - each callback is called exactly once, later, from the loop (never from
//    inside the call that started the lookup), unless the Resolver is
//    destroyed first (then pending callbacks are dropped, never called) or
//    the caller's event::Request for it was destroyed or cancelled;
//  - concurrent lookups of the same (name, type) share one query;
//  - after the configured timeout the answer is an error "timeout" and a
//    late answer is ignored;
//  - callbacks may start new lookups and may destroy the Resolver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "dns/answer.h"
#include "dns/config.h"
#include "dns/records.h"
#include "dns/srv_order.h"
#include "dns/verdict.h"
#include "event/loop.h"
#include "event/request.h"

namespace smtpsec::dns {

class Resolver {
public:
    using AnswerCallback = std::function<void(const Answer&)>;
    using DiscoveryCallback = std::function<void(const Discovery&)>;
    using TlsaCallback = std::function<void(const TlsaResult&)>;
    using AddressCallback = std::function<void(const AddressResult&)>;

    // Throws ConfigError (see unbound_context.h). `loop` must outlive this.
    Resolver(event::Loop& loop, const ResolverConfig& config);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Each lookup comes in two shapes. With a trailing `request`, it is
    // linked to that event::Request (what it held before is cancelled):
    // keep the Request as a member of the object the callback touches, and
    // destroying the object cancels the lookup, so the callback needs no
    // liveness check. Without it, the callback runs unless the Resolver
    // goes first (callers that outlive the Resolver: tools, tests).

    // Where may mail for `domain` go (docs/decisions.md point 20): SRV of
    // _smtpsec._tcp.<domain>, decided by decide_discovery().
    void discover(std::string_view domain, DiscoveryCallback callback);
    void discover(std::string_view domain, DiscoveryCallback callback, event::Request& request);

    // TLSA of _<port>._tcp.<host> (docs/decisions.md point 21).
    void tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback);
    void tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback, event::Request& request);

    // A and AAAA of `host`, looked up together.
    void addresses(std::string_view host, AddressCallback callback);
    void addresses(std::string_view host, AddressCallback callback, event::Request& request);

    // Any (name, type), classified. An invalid name gives an error Answer.
    void lookup(std::string_view name, std::uint16_t type, AnswerCallback callback);
    void lookup(std::string_view name, std::uint16_t type, AnswerCallback callback, event::Request& request);

    // Replaces the random source used to order SRV targets (tests).
    void set_random(UniformRandom random);

    // Distinct queries now waiting for libunbound.
    std::size_t queries_in_flight() const;
    // Queries handed to libunbound since construction (shared ones count once).
    std::uint64_t queries_started() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace smtpsec::dns

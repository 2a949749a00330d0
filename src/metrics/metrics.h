// The gateway's counters and gauges, kept in the process for smtpsec-ctl
// stats and the Prometheus endpoint (issue 18).
//
// Why a fixed registry of enums: every label value is one of a few words
// chosen here, never text from the network, so the number of series is
// bounded whatever peers send (a label built from a domain or a reply would
// let any sender grow our memory and the operator's time-series database).
// Why relaxed atomics: the milter counts on libmilter's threads, everything
// else on the loop; a relaxed fetch_add is one locked instruction, no lock
// and no allocation on the hot path. Counters live as long as the process:
// they survive a reload (SIGHUP) and start from zero after a restart, as
// Postfix's do.
//
// Counting is one line at a decision point:
//     metrics::count(metrics::TakenOver::smtpsec);
//     metrics::count(metrics::Bytes::in, n);
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smtpsec::metrics {

// ---- Counter families: one enum each; its values are the label values. ----

// Recipients the milter took over for delivery over SMTPsec, by why.
enum class TakenOver : std::uint8_t { smtpsec, defer, no_verdict, discovery_failed, kCount };
// Recipients the milter left to the MTA's SMTP, by why.
enum class LeftToSmtp : std::uint8_t {
    not_candidate,   // local mailer, never-takeover domain, ...
    none_secure,     // the domain securely publishes no SMTPsec
    none_insecure,   // the domain's zone is unsigned
    cannot_sign,     // no signing identity for the From domain, or no single From
    error_accepted,  // a DNS, queue or internal error with on_*_error = accept
    kCount
};
// Messages by the milter's answer to the MTA.
enum class MilterAnswer : std::uint8_t { proceed, discard, reject, tempfail, kCount };
// Monitor mode ([milter] mode = "monitor"): what enforce mode would have
// done; take_over counts recipients, hold (tempfail) and refuse (reject) messages.
enum class MonitorWould : std::uint8_t { take_over, hold, refuse, kCount };
// Recipients of our queue delivered: over SMTPsec, or handed back to the
// MTA (the domain turned out to have no SMTPsec).
enum class Delivered : std::uint8_t { smtpsec, handed_back, kCount };
// Delivery attempts that will be retried, by where they failed.
enum class Deferred : std::uint8_t { smtpsec, handback, kCount };
// Recipients given up on (a DSN goes to the sender), by why.
enum class Bounced : std::uint8_t {
    refused,            // the SMTPsec server refused it permanently
    expired,            // queue lifetime over
    security_required,  // no SMTPsec and the sender required it
    mta_refused,        // the MTA refused the hand-back
    unsendable,         // the message cannot be sent over SMTPsec at all
    kCount
};
// Emails the listener accepted (per recipient accepted at least once).
enum class InboundAccepted : std::uint8_t { email, kCount };
// Emails or recipients the listener refused, by the SMTPsec ErrorCode sent
// (docs/protocol.md; the values of include/smtpsec/message.h in order).
enum class InboundRefused : std::uint8_t {
    internal_error,
    service_unavailable,
    illegal_message,
    illegal_parameter,
    too_large,
    authentication_failed,
    insufficient_security,
    unknown_address,
    kCount
};
// Origin authentication of inbound Emails (docs/decisions.md point 22).
enum class OriginAuth : std::uint8_t {
    dane_ee,              // accepted: a DANE-EE TLSA record matched
    dane_ta,              // accepted: a DANE-TA record and the chain
    ca_ct,                // accepted: a public CA and enough SCTs
    no_from,              // refused: the From field names no single domain
    bad_signature,        // refused: signature or certificate unusable
    no_smtpsec_domain,    // refused: the From domain publishes no secure SRV
    certificate_refused,  // refused: the certificate matches no server of the domain
    dns_deferred,         // temporary: DNS failed
    kCount
};
// Discovery verdicts (dns::Verdict) the resolver gave the gateway.
enum class DnsVerdict : std::uint8_t { smtpsec, none_secure, none_insecure, defer, kCount };
// TLS handshakes that failed, by side.
enum class TlsHandshakeFailed : std::uint8_t { inbound, outbound, kCount };
// Bytes on SMTPsec connections (TLS application data), by direction.
enum class Bytes : std::uint8_t { in, out, kCount };
// Recipients decided by the inbound authorisation file ([listener]
// authorisation_file), by the rule that applied.
enum class InboundAuthorisation : std::uint8_t { allow, refuse, kCount };
// Reloads (SIGHUP or smtpsec-ctl reload) by outcome.
enum class Reload : std::uint8_t { done, refused, kCount };

// ---- Gauges: set by their owner, or refreshed before each rendering. ----
enum class Gauge : std::uint8_t {
    connections_inbound,   // SMTPsec connections the listener holds
    connections_outbound,  // SMTPsec connections our client holds
    queue_entries,         // messages in our queue
    queue_oldest_age,      // seconds since the oldest of them arrived
    kCount
};

template <class E>
constexpr std::size_t size_of = static_cast<std::size_t>(E::kCount);

// The cells of one family; one per process.
template <class E>
inline std::array<std::atomic<std::uint64_t>, size_of<E>> cells{};

template <class E>
inline void count(E value, std::uint64_t n = 1) noexcept {
    const auto i = static_cast<std::size_t>(value);
    if (i < size_of<E>) cells<E>[i].fetch_add(n, std::memory_order_relaxed);
}

template <class E>
inline std::uint64_t value(E value) noexcept {
    const auto i = static_cast<std::size_t>(value);
    return i < size_of<E> ? cells<E>[i].load(std::memory_order_relaxed) : 0;
}

inline std::array<std::atomic<std::int64_t>, static_cast<std::size_t>(Gauge::kCount)> gauges{};

inline void gauge_add(Gauge g, std::int64_t delta) noexcept {
    gauges[static_cast<std::size_t>(g)].fetch_add(delta, std::memory_order_relaxed);
}
inline void gauge_set(Gauge g, std::int64_t v) noexcept {
    gauges[static_cast<std::size_t>(g)].store(v, std::memory_order_relaxed);
}
inline std::int64_t gauge(Gauge g) noexcept {
    return gauges[static_cast<std::size_t>(g)].load(std::memory_order_relaxed);
}

// Raises an open-connection gauge for its lifetime: one member in a
// connection object counts it open until it is destroyed.
class OpenConnection {
public:
    explicit OpenConnection(Gauge g) noexcept : gauge_(g) { gauge_add(gauge_, 1); }
    ~OpenConnection() { gauge_add(gauge_, -1); }
    OpenConnection(const OpenConnection&) = delete;
    OpenConnection& operator=(const OpenConnection&) = delete;

private:
    Gauge gauge_;
};

// Sets every counter and gauge to zero (tests only: the daemon never resets).
void reset_for_tests();

// The Prometheus text exposition format, version 0.0.4: every family with
// every label value (zeros included), HELP and TYPE lines first.
std::string prometheus_text();

// smtpsec-ctl stats: one "family.label=value" line per cell, as
// unbound-control stats prints ("taken_over.smtpsec=3", "queue_entries=0").
std::string stats_text();

}  // namespace smtpsec::metrics

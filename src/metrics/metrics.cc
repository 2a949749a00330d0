// See metrics.h. The names follow Prometheus' conventions (a _total suffix
// on counters, base units: seconds, bytes); man/smtpsec-ctl.8 lists them.
#include "metrics/metrics.h"

#include <fmt/format.h>

namespace smtpsec::metrics {
namespace {

struct FamilyInfo {
    std::string_view name;        // "smtpsec_taken_over_total"
    std::string_view short_name;  // "taken_over" (smtpsec-ctl stats)
    std::string_view help;
    std::string_view label;  // "reason"
};

template <class E>
struct Table;

#define SMTPSEC_FAMILY(E, NAME, SHORT, HELP, LABEL, ...)                               \
    template <>                                                                        \
    struct Table<E> {                                                                  \
        static constexpr FamilyInfo info{NAME, SHORT, HELP, LABEL};                    \
        static constexpr std::array<std::string_view, size_of<E>> values{__VA_ARGS__}; \
    };

SMTPSEC_FAMILY(TakenOver, "smtpsec_taken_over_total", "taken_over",
               "Recipients the milter took over for delivery over SMTPsec.", "reason", "smtpsec", "defer",
               "no_verdict", "discovery_failed")
SMTPSEC_FAMILY(LeftToSmtp, "smtpsec_left_to_smtp_total", "left_to_smtp",
               "Recipients the milter left to the MTA's SMTP.", "reason", "not_candidate", "none_secure",
               "none_insecure", "cannot_sign", "error_accepted")
SMTPSEC_FAMILY(MilterAnswer, "smtpsec_milter_messages_total", "milter_messages",
               "Messages by the milter's answer to the MTA.", "answer", "continue", "discard", "reject",
               "tempfail")
SMTPSEC_FAMILY(
    MonitorWould, "smtpsec_monitor_would_total", "monitor_would",
    "Monitor mode: what enforce mode would have done (recipients taken over, messages held or refused).",
    "action", "take_over", "hold", "refuse")
SMTPSEC_FAMILY(Delivered, "smtpsec_delivered_total", "delivered",
               "Recipients of the queue delivered, over SMTPsec or handed back to the MTA.", "via", "smtpsec",
               "handed_back")
SMTPSEC_FAMILY(Deferred, "smtpsec_deferred_total", "deferred",
               "Delivery attempts of the queue that failed temporarily and will be retried.", "stage",
               "smtpsec", "handback")
SMTPSEC_FAMILY(Bounced, "smtpsec_bounced_total", "bounced",
               "Recipients of the queue given up on (the sender gets a DSN).", "reason", "refused", "expired",
               "security_required", "mta_refused", "unsendable")
SMTPSEC_FAMILY(InboundAccepted, "smtpsec_inbound_accepted_total", "inbound_accepted",
               "Emails the listener accepted and handed to the MTA.", "kind", "email")
SMTPSEC_FAMILY(InboundRefused, "smtpsec_inbound_refused_total", "inbound_refused",
               "Emails or recipients the listener refused, by the SMTPsec ErrorCode it sent.", "error",
               "internal_error", "service_unavailable", "illegal_message", "illegal_parameter", "too_large",
               "authentication_failed", "insufficient_security", "unknown_address")
SMTPSEC_FAMILY(OriginAuth, "smtpsec_origin_auth_total", "origin_auth",
               "Origin authentication of inbound Emails, by result.", "result", "dane_ee", "dane_ta", "ca_ct",
               "no_from", "bad_signature", "no_smtpsec_domain", "certificate_refused", "dns_deferred")
SMTPSEC_FAMILY(DnsVerdict, "smtpsec_dns_verdicts_total", "dns_verdicts", "SMTPsec discovery verdicts.",
               "verdict", "smtpsec", "none_secure", "none_insecure", "defer")
SMTPSEC_FAMILY(TlsHandshakeFailed, "smtpsec_tls_handshake_failures_total", "tls_handshake_failures",
               "TLS handshakes that failed.", "side", "inbound", "outbound")
SMTPSEC_FAMILY(Bytes, "smtpsec_bytes_total", "bytes", "Bytes of TLS application data on SMTPsec connections.",
               "direction", "in", "out")
SMTPSEC_FAMILY(InboundAuthorisation, "smtpsec_inbound_authorisation_total", "inbound_authorisation",
               "Recipients decided by the inbound authorisation file, by rule.", "rule", "allow", "refuse")
SMTPSEC_FAMILY(Reload, "smtpsec_reloads_total", "reloads", "Configuration reloads.", "outcome", "done",
               "refused")
#undef SMTPSEC_FAMILY

struct GaugeInfo {
    std::string_view name;
    std::string_view short_name;
    std::string_view help;
};
constexpr std::array<GaugeInfo, static_cast<std::size_t>(Gauge::kCount)> kGauges{{
    {"smtpsec_connections_open{side=\"inbound\"}", "connections_open.inbound", "SMTPsec connections open."},
    {"smtpsec_connections_open{side=\"outbound\"}", "connections_open.outbound", ""},
    {"smtpsec_queue_entries", "queue_entries", "Messages in the queue."},
    {"smtpsec_queue_oldest_age_seconds", "queue_oldest_age_seconds",
     "Age of the oldest message in the queue (0 when it is empty)."},
}};

template <class E>
void prometheus_family(std::string& out) {
    const auto& info = Table<E>::info;
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n", info.name, info.help,
                   info.name);
    for (std::size_t i = 0; i < size_of<E>; ++i)
        fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", info.name, info.label,
                       Table<E>::values[i], cells<E>[i].load(std::memory_order_relaxed));
}

template <class E>
void stats_family(std::string& out) {
    for (std::size_t i = 0; i < size_of<E>; ++i)
        fmt::format_to(std::back_inserter(out), "{}.{}={}\n", Table<E>::info.short_name, Table<E>::values[i],
                       cells<E>[i].load(std::memory_order_relaxed));
}

template <class E>
void reset_family() {
    for (auto& c : cells<E>) c.store(0, std::memory_order_relaxed);
}

template <class... E>
struct All {
    static void prometheus(std::string& out) { (prometheus_family<E>(out), ...); }
    static void stats(std::string& out) { (stats_family<E>(out), ...); }
    static void reset() { (reset_family<E>(), ...); }
};
using Families =
    All<TakenOver, LeftToSmtp, MilterAnswer, MonitorWould, Delivered, Deferred, Bounced, InboundAccepted,
        InboundRefused, OriginAuth, DnsVerdict, TlsHandshakeFailed, Bytes, InboundAuthorisation, Reload>;

}  // namespace

void reset_for_tests() {
    Families::reset();
    for (auto& g : gauges) g.store(0, std::memory_order_relaxed);
}

std::string prometheus_text() {
    std::string out;
    out.reserve(8192);
    Families::prometheus(out);
    std::string_view family;
    for (std::size_t i = 0; i < kGauges.size(); ++i) {
        const auto& g = kGauges[i];
        const auto base = g.name.substr(0, g.name.find('{'));
        if (base != family) {
            fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} gauge\n", base, g.help, base);
            family = base;
        }
        fmt::format_to(std::back_inserter(out), "{} {}\n", g.name, gauges[i].load(std::memory_order_relaxed));
    }
    return out;
}

std::string stats_text() {
    std::string out;
    Families::stats(out);
    for (std::size_t i = 0; i < kGauges.size(); ++i)
        fmt::format_to(std::back_inserter(out), "{}={}\n", kGauges[i].short_name,
                       gauges[i].load(std::memory_order_relaxed));
    return out;
}

}  // namespace smtpsec::metrics

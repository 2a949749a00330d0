// The queue's own settings (the daemon maps its QueueConfig onto them).
//
// Why a struct of its own: src/queue sits below the daemon and must not
// include daemon headers. Defaults are Postfix's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace smtpsec::queue {

struct QueueSettings {
    using Seconds = std::chrono::seconds;
    Seconds retry_min{300};                      // minimal_backoff_time
    Seconds retry_max{4000};                     // maximal_backoff_time
    Seconds lifetime{5 * 24 * 3600};             // maximal_queue_lifetime
    Seconds delay_warning{4 * 3600};             // 0: no delay warnings
    std::uint32_t destination_concurrency = 20;  // deliveries in flight per recipient domain
    // Message bytes held by deliveries in flight, all domains together: a new
    // delivery starts only while less than this is in flight (one always may).
    // Each delivery holds its message and the signed copy on the wire until
    // answered, so without a bound 20 pipelined 10 MiB messages held 600 MB.
    std::uint64_t delivery_memory = std::uint64_t{64} << 20;
    std::string bounce_from;    // From: of DSNs, e.g. "MAILER-DAEMON@mx.a.test"
    std::string postmaster;     // gets failures of null-sender mail; empty: only logged
    std::string reporting_mta;  // our host name (Reporting-MTA, Message-ID)
};

}  // namespace smtpsec::queue

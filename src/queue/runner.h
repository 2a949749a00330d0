// The queue runner: takes spool entries to their recipients, on the
// gateway's libev loop.
//
// Why: delivery over SMTPsec can fail temporarily (DNS, peers down); mail
// then waits on disk and is retried with Postfix-like backoff until its
// lifetime ends, after which - or on a permanent failure - the sender gets
// a DSN. Recipients whose domain has no SMTPsec go back to the MTA (or
// bounce when the sender required SMTPsec).
//
// Every state change is written to the spool (read-modify-write under the
// spool lock, so smtpsec-queue's edits are not overwritten) before the next
// step; after a crash, recipients in flight are simply tried again.
// Not thread-safe except accepted().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "event/async_notifier.h"
#include "event/defer_event.h"
#include "event/loop.h"
#include "event/request.h"
#include "event/timer.h"
#include "queue/dsn.h"
#include "queue/ports.h"
#include "queue/settings.h"
#include "queue/spool.h"

namespace smtpsec::queue {

class QueueRunner {
public:
    // Unix seconds; tests pass a fake.
    using Clock = std::function<std::int64_t()>;

    // All references must outlive the runner.
    QueueRunner(event::Loop& loop, Spool& spool, QueueSettings settings, Transport& transport,
                MailSubmitter& submitter, Clock clock = {});
    ~QueueRunner();
    QueueRunner(const QueueRunner&) = delete;
    QueueRunner& operator=(const QueueRunner&) = delete;

    // Loads the spool and schedules everything due. Call Spool::recover()
    // before, while the milter is not yet accepting.
    void start();
    // Thread-safe (from libmilter threads): a new entry was accepted.
    void accepted(std::string id);
    // Re-reads the spool (smtpsec-queue changed it; the daemon calls this on SIGUSR1).
    void rescan();
    // Makes every pending recipient (not held) due now.
    void flush();
    // New retry, lifetime and DSN settings (SIGHUP); they apply from the
    // next scheduling decision on. Attempts already scheduled keep their time.
    void replace_settings(QueueSettings settings);
    // Starts no more work; `done` is called once nothing is in flight
    // (at once if nothing is).
    void drain(std::function<void()> done);
    // Starts everything due now (the timers call it; tests call it directly).
    void process_due();

    struct Stats {
        std::size_t entries = 0;
        std::size_t in_flight = 0;  // deliveries, hand-backs and DSNs under way
        std::uint64_t delivered = 0;
        std::uint64_t deferred = 0;
        std::uint64_t bounced = 0;
        std::uint64_t handed_back = 0;
        std::uint64_t dsns_sent = 0;
    };
    Stats stats() const;
    // What smtpsec-ctl status/queue and the metrics show (not the hot path:
    // it walks every entry).
    struct Summary {
        std::size_t entries = 0;
        std::size_t held = 0;  // entries the operator held
        std::size_t pending_recipients = 0;
        std::int64_t oldest_arrival = 0;                       // unix seconds; 0: empty
        std::map<std::string, std::size_t> pending_by_domain;  // only when asked
    };
    Summary summary(bool by_domain) const;
    std::size_t in_flight_for(const std::string& domain) const;
    std::uint64_t bytes_in_flight() const { return bytes_in_flight_; }

private:
    struct Tracked {
        Envelope envelope;
        std::set<std::size_t> busy;  // recipient indexes with a delivery or hand-back under way
        bool notifying = false;      // a failure DSN is being submitted
        bool warning = false;        // a delay warning is being submitted
        std::int64_t warning_retry_at = 0;
        bool gone = false;  // deleted by the operator while busy: dropped when idle
        bool idle() const { return busy.empty() && !notifying && !warning; }
    };

    void take_new_ids();
    void track(const std::string& id);
    void process_entry(const std::string& id, std::int64_t t);
    void start_delivery(const std::string& id, const std::string& domain,
                        const std::vector<std::size_t>& indexes);
    void on_report(const std::string& id, const std::string& domain, const std::vector<std::size_t>& indexes,
                   const DeliveryReport& report);
    void start_handback(const std::string& id, const std::vector<std::size_t>& indexes);
    void on_handback(const std::string& id, const std::vector<std::size_t>& indexes,
                     const mta::Result& result);
    void send_failure_dsn(const std::string& id, std::int64_t t);
    void send_delay_warning(const std::string& id, std::int64_t t);
    void fail_now(const std::string& id, const std::vector<std::size_t>& indexes, const std::string& reason,
                  const std::string& status);
    bool store(const std::string& id, const Spool::Change& change);
    bool idle_after_report(const std::string& id) const;
    void finish_if_done(const std::string& id);
    void work_done();
    void schedule_soon();
    void reschedule();
    std::int64_t now() const { return clock_(); }
    // `callback` as a port takes it, cancelled when the runner goes
    // (requests_), so it may use `this`.
    template <class Result>
    std::function<void(Result)> owned(std::type_identity_t<std::function<void(Result)>> callback) {
        auto [call, request] = event::cancellable<Result>(std::move(callback));
        requests_.add(std::move(request));
        return call;
    }

    Spool& spool_;
    QueueSettings settings_;
    Transport& transport_;
    MailSubmitter& submitter_;
    Clock clock_;

    std::map<std::string, Tracked> entries_;
    std::map<std::string, unsigned> per_domain_;
    std::size_t in_flight_ = 0;
    std::uint64_t bytes_in_flight_ = 0;  // message bytes of the deliveries in flight (delivery_memory)
    std::uint64_t next_delivery_id_ = 1;
    Stats counts_;
    bool processing_ = false;
    bool again_ = false;
    bool stopping_ = false;
    std::function<void()> drained_;

    std::mutex new_ids_mutex_;
    std::vector<std::string> new_ids_;

    event::DeferEvent soon_;  // process_due() on the next loop turn, once
    event::Timer wakeup_;
    event::AsyncNotifier notifier_;
    // Deliveries, hand-backs and DSNs under way: their callbacks never run
    // once the runner is gone (last member, so first to go).
    event::RequestSet requests_;
};

}  // namespace smtpsec::queue

// The daemon's milter: libmilter on its own thread, with DNS verdicts
// answered by the resolver on the loop and take-overs written to the queue.
//
// Why a bridge: libmilter calls back on its threads, the resolver is not
// thread-safe and lives on the loop. lookup() posts the domain to the loop
// (ev_async) and hands back a PendingVerdict that the loop completes; the
// milter thread waits for it only at end-of-message, so discovery runs
// while the MTA is still sending the message.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/config.h"
#include "dns/resolver.h"
#include "event/async_notifier.h"
#include "milter/intake.h"
#include "milter/milter.h"
#include "milter/settings.h"
#include "milter/verdict_source.h"

namespace smtpsec::daemon {

// Throws std::runtime_error listing the sender policy file's problems.
std::shared_ptr<const milter::MilterSettings> milter_settings(const Config& config);

class MilterSide final : public milter::VerdictSource {
public:
    // Registers with libmilter and binds the socket: throws std::runtime_error.
    // `forward`: the forward store the milter checks markers against
    // (docs/forwarding.md); null when [milter] forward_daemon is not set.
    MilterSide(event::Loop& loop, const Config& config, dns::Resolver& resolver, milter::Intake& intake,
               std::shared_ptr<const milter::ForwardLookup> forward = nullptr);
    ~MilterSide() override;

    void start();
    // Throws if `config`'s milter settings cannot be used (reload check).
    void check(const Config& config) { (void)milter_settings(config); }
    void reload(const Config& config) { milter_.replace_settings(with_forward(milter_settings(config))); }
    void stop();
    bool stopped() const { return !thread_.joinable() || finished_; }
    void join();

    std::shared_ptr<milter::PendingVerdict> lookup(const std::string& domain) override;

private:
    void start_lookups();

    dns::Resolver& resolver_;
    milter::Milter milter_;
    std::thread thread_;
    std::atomic<bool> finished_{false};
    // A local socket's path, removed once libmilter has stopped (it leaves the file behind).
    std::string socket_path_;
    std::mutex mutex_;
    std::deque<std::pair<std::string, std::shared_ptr<milter::PendingVerdict>>> requests_;
    event::AsyncNotifier notifier_;
    std::shared_ptr<const milter::ForwardLookup> forward_;
    std::shared_ptr<const milter::MilterSettings> with_forward(
        const std::shared_ptr<const milter::MilterSettings>& s) const;
};

}  // namespace smtpsec::daemon

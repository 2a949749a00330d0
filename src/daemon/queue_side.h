// The daemon's queue: the spool the milter writes into, the runner that
// delivers from it over SMTPsec (through the Signers' Deliverers), and the
// SMTP injector that carries bounces and handed-back mail to the MTA.
//
// Why here and not in src/queue: the queue layer knows only its ports
// (Transport, MailSubmitter) in its own types; which Deliverer signs for
// which From domain, that a reload swaps them, and the translation between
// the queue's and the outbound layer's types are the daemon's business.
#pragma once

#include <memory>

#include "daemon/config.h"
#include "daemon/signers.h"
#include "milter/intake.h"
#include "mta/injector.h"
#include "queue/ports.h"
#include "queue/runner.h"
#include "queue/spool.h"

namespace smtpsec::daemon {

queue::QueueSettings queue_settings(const Config& config);

class QueueSide final : public milter::Intake, private queue::Transport, private queue::MailSubmitter {
public:
    // Opens (creates) the spool directory: throws std::runtime_error if unusable.
    QueueSide(event::Loop& loop, const Config& config, Signers& signers);
    ~QueueSide() override;

    // Cleans up debris of a crash and starts delivering. Before the milter runs.
    void start();
    void rescan() { runner_->rescan(); }
    // smtpsec-ctl flush and queue.
    void flush() { runner_->flush(); }
    queue::QueueRunner::Summary summary(bool by_domain) const { return runner_->summary(by_domain); }
    // New signing identities and queue settings (SIGHUP).
    void reload(const Config& config, Signers& signers);
    void drain();
    bool drained() const { return drained_; }

    // milter::Intake, from libmilter threads.
    Expected<std::string, std::string> take_over(milter::TakeOver& mail) override;

private:
    void deliver(const std::string& from_domain, queue::Delivery delivery,
                 std::function<void(queue::DeliveryReport)> done) override;
    void submit(mta::Request request, std::function<void(mta::Result)> done) override;
    void submit_secure(mta::Request request, std::function<void(mta::Result)> done) override;

    Signers* signers_;
    queue::Spool spool_;
    mta::Injector injector_;
    mta::Injector secure_injector_;  // [reinject] secure_address
    std::unique_ptr<queue::QueueRunner> runner_;
    bool drained_ = false;
};

}  // namespace smtpsec::daemon

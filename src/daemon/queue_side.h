// The daemon's queue: the spool the milter writes into, the runner that
// delivers from it over SMTPsec (through the Signers' Deliverers), and the
// SMTP injector that carries bounces and handed-back mail to the MTA.
//
// Why here and not in src/queue: the queue layer knows only its ports
// (Transport, MailSubmitter); which Deliverer signs for which From domain,
// and that a reload swaps them, is the daemon's business.
#pragma once

#include <memory>

#include "daemon/config.h"
#include "daemon/signers.h"
#include "inbound/smtp_injector.h"
#include "milter/intake.h"
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
    // New signing identities and queue settings (SIGHUP).
    void reload(const Config& config, Signers& signers);
    void drain();
    bool drained() const { return drained_; }

    // milter::Intake, from libmilter threads.
    Expected<std::string, std::string> take_over(milter::TakeOver& mail) override;

private:
    void deliver(const std::string& from_domain, outbound::OutboundEmail email,
                 std::function<void(outbound::DeliveryReport)> done) override;
    void submit(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) override;
    void submit_secure(inbound::InjectRequest request, std::function<void(inbound::InjectResult)> done) override;

    event::Loop& loop_;
    Signers* signers_;
    queue::Spool spool_;
    inbound::SmtpInjector injector_;
    inbound::SmtpInjector secure_injector_;  // [reinject] secure_address
    std::unique_ptr<queue::QueueRunner> runner_;
    bool drained_ = false;
};

}  // namespace smtpsec::daemon

// The milter: libmilter's callbacks around the take-over decision.
//
// Why a class over global C state: libmilter keeps its state in globals and
// runs one thread per MTA connection, so there is only ever one Milter per
// process (constructing a second one throws). It talks to the rest of the
// daemon only through VerdictSource and Intake, both thread-safe.
//
// Threads and signals: run() blocks serving the MTA; call it from a dedicated
// thread. Unlike smfi_main() it starts no signal thread (see milter.cc):
// signals are the caller's; stop() ends run().
#pragma once

#include <libmilter/mfapi.h>

#include <memory>
#include <mutex>
#include <string>

#include "milter/intake.h"
#include "milter/settings.h"
#include "milter/verdict_source.h"
#include "smtpsec/expected.h"

namespace smtpsec::milter {

class Milter {
public:
    // Throws std::logic_error if another Milter exists.
    Milter(VerdictSource& verdicts, Intake& intake);
    ~Milter();
    Milter(const Milter&) = delete;
    Milter& operator=(const Milter&) = delete;

    // Registers with libmilter and binds the socket (a stale local socket is
    // removed; its mode and group are set), so that a bad address is a
    // start-up error before privileges are dropped. "" or the reason.
    Expected<bool, std::string> open(const std::shared_ptr<const MilterSettings>& settings);
    // Serves MTA connections until stop(); false if smfi_main failed.
    bool run();
    // Asks run() to return (from any thread); libmilter may take a few seconds.
    static void stop();
    // Takes effect for messages that start after the call (SIGHUP reload).
    void replace_settings(std::shared_ptr<const MilterSettings> settings);

    // Used by the C callbacks.
    std::shared_ptr<const MilterSettings> settings() const;
    VerdictSource& verdicts() { return verdicts_; }
    Intake& intake() { return intake_; }
    static Milter* instance();

private:
    VerdictSource& verdicts_;
    Intake& intake_;
    mutable std::mutex mutex_;
    std::shared_ptr<const MilterSettings> settings_;
    smfiDesc desc_{};   // libmilter keeps using it while run() serves
    std::string conn_;  // the socket spec, as mi_listener wants it
    int timeout_ = 7210;
};

}  // namespace smtpsec::milter

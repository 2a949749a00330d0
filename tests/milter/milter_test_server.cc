// Runs the real Milter on 127.0.0.1:PORT for the miltertest scripts, with
// fixed collaborators: verdicts from a map keyed by domain, and an Intake
// that writes each taken message to SPOOL/<MTA queue id>.txt (so a script
// can read what was queued) and fails for recipients in diskfull.test.
//
// Usage: milter_test_server PORT SPOOL_DIR POLICY_FILE. On SIGTERM it calls
// Milter::stop() as the daemon does and exits 0 once run() has returned.
// Exit 2: the socket could not be opened.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "milter/milter.h"

using namespace smtpsec::milter;

namespace {

class MapVerdicts : public VerdictSource {
public:
    std::shared_ptr<PendingVerdict> lookup(const std::string& domain) override {
        static const std::map<std::string, DomainVerdict> verdicts = {
            {"sec.test", DomainVerdict::smtpsec},
            {"sec2.test", DomainVerdict::smtpsec},
            {"insecure.test", DomainVerdict::none_insecure},
            {"nosec.test", DomainVerdict::none_secure},
            {"defer.test", DomainVerdict::defer},
            {"diskfull.test", DomainVerdict::smtpsec},
            {"never.test", DomainVerdict::smtpsec},
        };
        if (domain == "broken.test") return nullptr;
        auto it = verdicts.find(domain);
        return ready_verdict(it == verdicts.end() ? DomainVerdict::none_insecure : it->second, "fixed map");
    }
};

class FileIntake : public Intake {
public:
    explicit FileIntake(std::string dir) : dir_(std::move(dir)) {}
    smtpsec::Expected<std::string, std::string> take_over(TakeOver& mail) override {
        for (const auto& r : mail.recipients)
            if (r.domain == "diskfull.test") return smtpsec::Unexpected<std::string>{"disk full (test)"};
        std::ofstream out(dir_ + "/" + mail.mta_queue_id + ".txt", std::ios::binary);
        out << "sender=" << mail.sender << "\nfrom_domain=" << mail.from_domain
            << "\nrequire_security=" << (mail.require_security ? (mail.tls_suffices ? "0" : "1") : "none")
            << "\nlogin=" << mail.login << "\n";
        for (const auto& r : mail.recipients) out << "rcpt=" << r.as_given << "\n";
        out << "--\n" << mail.head << mail.body;
        out.close();
        if (!out) return smtpsec::Unexpected<std::string>{"cannot write"};
        return "Q" + mail.mta_queue_id;
    }

private:
    std::string dir_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s PORT SPOOL_DIR POLICY_FILE\n", argv[0]);
        return 1;
    }
    auto policy = load_sender_policy(argv[3]);
    if (!policy) {
        for (const auto& p : policy.error()) std::fprintf(stderr, "%s\n", p.c_str());
        return 1;
    }
    auto settings = std::make_shared<MilterSettings>();
    settings->socket = std::string("inet:") + argv[1] + "@127.0.0.1";
    settings->signing_domains = {"a.test"};
    settings->never_takeover_domains = {"never.test"};
    settings->require_smtpsec_daemons = {"SECURE-SUBMISSION"};
    settings->sender_policy = std::make_shared<const SenderPolicy>(std::move(*policy));
    settings->timeout = std::chrono::seconds(30);
    settings->verdict_wait = std::chrono::milliseconds(2000);

    MapVerdicts verdicts;
    FileIntake intake(argv[2]);
    Milter milter(verdicts, intake);
    auto opened = milter.open(settings);
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().c_str());
        return 2;
    }
    // The daemon's arrangement: the milter serves on its own thread, signals
    // are taken here.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    bool served = false;
    std::thread serving([&] { served = milter.run(); });
    int sig = 0;
    sigwait(&set, &sig);
    Milter::stop();
    serving.join();
    return served ? 0 : 1;
}

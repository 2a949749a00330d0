// Monitor mode (src/milter/monitor.h): the MTA is told to go on with every
// recipient whatever enforce mode would do, the log says what that would
// have been, and the counters record it; in enforce mode the counters record
// what was done.
#include <catch2/catch.hpp>

#include "metrics/metrics.h"
#include "milter/decision.h"
#include "milter/monitor.h"

using namespace smtpsec;
using namespace smtpsec::milter;

namespace {

RecipientFacts rcpt(std::string address, std::string mailer, std::optional<DomainVerdict> verdict) {
    RecipientFacts r;
    r.as_given = "<" + address + ">";
    r.address = address;
    r.domain = address.substr(address.find('@') + 1);
    r.mailer = std::move(mailer);
    if (verdict) r.verdict = VerdictResult{*verdict, "test"};
    return r;
}

MessageFacts message(std::vector<RecipientFacts> recipients) {
    MessageFacts m;
    m.sender = "alice@a.test";
    m.from.single_mailbox = true;
    m.from.address = "alice@a.test";
    m.from.domain = "a.test";
    m.recipients = std::move(recipients);
    return m;
}

MilterSettings settings(Mode mode) {
    MilterSettings s;
    s.mode = mode;
    s.signing_domains = {"a.test"};
    return s;
}

}  // namespace

TEST_CASE(
    "monitor mode: recipients enforce mode takes over stay with the MTA, the log says it would take them") {
    metrics::reset_for_tests();
    const auto facts = message({rcpt("bob@b.test", "smtp", DomainVerdict::smtpsec),
                                rcpt("dave@insecure.test", "smtp", DomainVerdict::none_insecure)});
    const auto s = settings(Mode::monitor);
    const Decision enforced = decide(facts, s);
    REQUIRE(enforced.take == std::vector<std::size_t>{0});
    const Decision given = monitor_decision(enforced);
    CHECK(given.answer == Answer::proceed);
    CHECK(given.take.empty());
    CHECK(given.code.empty());
    CHECK(given.log ==
          std::vector<std::string>{
              "monitor mode: would take over to=<bob@b.test> (smtpsec (test)); the MTA delivers it by SMTP",
              "to=<dave@insecure.test> left to the MTA: none_insecure (test)"});
    count_outcome(facts, s, enforced, given, false);
    CHECK(metrics::value(metrics::MonitorWould::take_over) == 1);
    CHECK(metrics::value(metrics::MilterAnswer::proceed) == 1);
    CHECK(metrics::value(metrics::TakenOver::smtpsec) == 0);
    CHECK(metrics::value(metrics::LeftToSmtp::none_insecure) == 1);
    CHECK(metrics::value(metrics::LeftToSmtp::cannot_sign) == 0);
}

TEST_CASE(
    "monitor mode: a message enforce mode refuses goes on, the refusal is logged with its reply and "
    "counted") {
    metrics::reset_for_tests();
    auto facts = message({rcpt("dave@insecure.test", "smtp", DomainVerdict::none_insecure)});
    facts.require_security = true;
    facts.require_reason = "Require-SMTPsec header";
    const auto s = settings(Mode::monitor);
    const Decision enforced = decide(facts, s);
    REQUIRE(enforced.answer == Answer::reject);
    const Decision given = monitor_decision(enforced);
    CHECK(given.answer == Answer::proceed);
    CHECK(given.log.back() ==
          "monitor mode: would refuse the message with 550 5.7.30 SMTPsec required but not available for "
          "insecure.test; the MTA delivers it by SMTP");
    count_outcome(facts, s, enforced, given, false);
    CHECK(metrics::value(metrics::MonitorWould::refuse) == 1);
    CHECK(metrics::value(metrics::MilterAnswer::proceed) == 1);
    CHECK(metrics::value(metrics::MilterAnswer::reject) == 0);
}

TEST_CASE("monitor mode: a message enforce mode holds (DNS unavailable) goes on, counted as would hold") {
    metrics::reset_for_tests();
    auto r = rcpt("bob@b.test", "smtp", std::nullopt);
    r.lookup_failed = true;
    const auto facts = message({r});
    const auto s = settings(Mode::monitor);
    const Decision enforced = decide(facts, s);
    REQUIRE(enforced.answer == Answer::tempfail);
    const Decision given = monitor_decision(enforced);
    CHECK(given.answer == Answer::proceed);
    CHECK(given.log.back().rfind("monitor mode: would hold the message with 451 4.4.3 ", 0) == 0);
    count_outcome(facts, s, enforced, given, false);
    CHECK(metrics::value(metrics::MonitorWould::hold) == 1);
    CHECK(metrics::value(metrics::MonitorWould::take_over) == 0);
}

TEST_CASE("enforce mode counts what was done: taken over by reason, left to SMTP by reason, the answer") {
    metrics::reset_for_tests();
    const auto facts = message({rcpt("bob@b.test", "smtp", DomainVerdict::smtpsec),
                                rcpt("w@slow.test", "smtp", std::nullopt),
                                rcpt("z@nos.test", "smtp", DomainVerdict::none_secure),
                                rcpt("l@local.test", "local", DomainVerdict::smtpsec)});
    const auto s = settings(Mode::enforce);
    const Decision d = decide(facts, s);
    count_outcome(facts, s, d, d, false);
    CHECK(metrics::value(metrics::TakenOver::smtpsec) == 1);
    CHECK(metrics::value(metrics::TakenOver::no_verdict) == 1);
    CHECK(metrics::value(metrics::LeftToSmtp::none_secure) == 1);
    CHECK(metrics::value(metrics::LeftToSmtp::not_candidate) == 1);
    CHECK(metrics::value(metrics::MilterAnswer::proceed) == 1);
    CHECK(metrics::value(metrics::MonitorWould::take_over) == 0);
}

TEST_CASE(
    "enforce mode: a From without a signing identity leaves SMTPsec recipients to SMTP as cannot_sign") {
    metrics::reset_for_tests();
    auto facts = message({rcpt("bob@b.test", "smtp", DomainVerdict::smtpsec)});
    facts.from.domain = "other.test";
    const auto s = settings(Mode::enforce);
    const Decision d = decide(facts, s);
    count_outcome(facts, s, d, d, false);
    CHECK(metrics::value(metrics::LeftToSmtp::cannot_sign) == 1);
    CHECK(metrics::value(metrics::TakenOver::smtpsec) == 0);
}

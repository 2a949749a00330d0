// Every branch of the end-of-message decision (src/milter/decision.h).
#include <catch2/catch.hpp>

#include "milter/decision.h"

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

MilterSettings settings() {
    MilterSettings s;
    s.signing_domains = {"a.test"};
    s.never_takeover_domains = {"never.test", ".sub.test"};
    return s;
}

std::shared_ptr<const SenderPolicy> policy() {
    auto p = parse_sender_policy("alice alice@a.test\nbob @b.test\nshared sales@a.test alice\n", "p");
    REQUIRE(p);
    return std::make_shared<const SenderPolicy>(*p);
}

}  // namespace

TEST_CASE("smtpsec and defer recipients are taken, the others left") {
    auto d = decide(message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec),
                             rcpt("y@ins.test", "smtp", DomainVerdict::none_insecure),
                             rcpt("z@nos.test", "relay", DomainVerdict::none_secure),
                             rcpt("w@def.test", "esmtp", DomainVerdict::defer)}),
                    settings());
    CHECK(d.answer == Answer::proceed);
    CHECK(d.take == std::vector<std::size_t>{0, 3});
    CHECK(d.from_domain == "a.test");
    CHECK(d.log.size() == 4);
    CHECK(d.log[1] == "to=<y@ins.test> left to the MTA: none_insecure (test)");
}

TEST_CASE("all recipients taken: discard") {
    auto d = decide(message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec),
                             rcpt("w@def.test", "smtp", DomainVerdict::defer)}),
                    settings());
    CHECK(d.answer == Answer::discard);
    CHECK(d.take.size() == 2);
}

TEST_CASE("no verdict in time counts as defer") {
    auto d = decide(message({rcpt("x@slow.test", "smtp", std::nullopt)}), settings());
    CHECK(d.answer == Answer::discard);
    CHECK(d.log[0] == "to=<x@slow.test> taken: no discovery verdict in time, queued for retry");
}

TEST_CASE("local mailers, our own domains without a mailer and never-takeover domains are left alone") {
    auto d = decide(message({rcpt("x@sec.test", "local", DomainVerdict::smtpsec),
                             rcpt("y@a.test", "", DomainVerdict::smtpsec),
                             rcpt("z@never.test", "smtp", DomainVerdict::smtpsec),
                             rcpt("v@a.sub.test", "smtp", DomainVerdict::smtpsec),
                             rcpt("u@sub.test", "smtp", DomainVerdict::smtpsec)}),
                    settings());
    CHECK(d.answer == Answer::proceed);
    CHECK(d.take == std::vector<std::size_t>{4});
    CHECK(d.log[0] == "to=<x@sec.test> left to the MTA: mailer local");
    CHECK(d.log[1] == "to=<y@a.test> left to the MTA: no {rcpt_mailer}, and a domain of ours");
    CHECK(d.log[2] == "to=<z@never.test> left to the MTA: never-takeover domain");
}

TEST_CASE("without {rcpt_mailer} (Postfix's sendmail command) other domains are candidates") {
    auto d = decide(message({rcpt("y@sec.test", "", DomainVerdict::smtpsec),
                             rcpt("z@never.test", "", DomainVerdict::smtpsec),
                             rcpt("w@plain.test", "", DomainVerdict::none_insecure)}),
                    settings());
    CHECK(d.answer == Answer::proceed);
    CHECK(d.take == std::vector<std::size_t>{0});
    CHECK(d.log[1] == "to=<z@never.test> left to the MTA: never-takeover domain");
    CHECK(not_a_candidate(RecipientFacts{"<q@a.test>", "q@a.test", "a.test", "", std::nullopt, false},
                          settings()) == "no {rcpt_mailer}, and a domain of ours");
    CHECK(not_a_candidate(RecipientFacts{"<q>", "q", "", "smtp", std::nullopt, false}, settings()) ==
          "no domain");
}

TEST_CASE("From that cannot be signed leaves everything to SMTP") {
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec)});
    SECTION("two mailboxes") {
        m.from = FromFacts{false, "", "", "From has 2 mailboxes"};
        auto d = decide(m, settings());
        CHECK(d.answer == Answer::proceed);
        CHECK(d.take.empty());
        // One line per recipient says what happened, and nothing says "taken".
        CHECK(d.log ==
              std::vector<std::string>{"to=<x@sec.test> left to the MTA: cannot sign: From has 2 mailboxes "
                                       "(SMTPsec discovery: smtpsec (test))"});
    }
    SECTION("no signing identity") {
        m.from.domain = "other.test";
        auto d = decide(m, settings());
        CHECK(d.take.empty());
        CHECK(d.log ==
              std::vector<std::string>{"to=<x@sec.test> left to the MTA: cannot sign: no signing identity "
                                       "for other.test (SMTPsec discovery: smtpsec (test))"});
    }
}

TEST_CASE("require_security rejects when a domain has no SMTPsec") {
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec),
                      rcpt("y@ins.test", "smtp", DomainVerdict::none_insecure),
                      rcpt("z@never.test", "smtp", std::nullopt), rcpt("l@a.test", "local", std::nullopt)});
    m.require_security = true;
    m.require_reason = "header";
    auto d = decide(m, settings());
    CHECK(d.answer == Answer::reject);
    CHECK(d.code == "550");
    CHECK(d.xcode == "5.7.30");
    CHECK(d.text == "SMTPsec required but not available for ins.test, never.test");
    CHECK(d.take.empty());
    CHECK(d.log.back() == "rejected (header): SMTPsec required but not available for ins.test, never.test");
    for (const auto& line : d.log) CHECK(line.find("taken") == std::string::npos);
}

TEST_CASE("require_security with only SMTPsec, defer and local recipients goes through") {
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec),
                      rcpt("w@def.test", "smtp", DomainVerdict::defer),
                      rcpt("l@a.test", "local", std::nullopt)});
    m.require_security = true;
    auto d = decide(m, settings());
    CHECK(d.answer == Answer::proceed);
    CHECK(d.take == std::vector<std::size_t>{0, 1});
}

TEST_CASE("require_security with an unsignable From is rejected") {
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec)});
    m.require_security = true;
    m.from.domain = "other.test";
    auto d = decide(m, settings());
    CHECK(d.answer == Answer::reject);
    CHECK(d.text == "SMTPsec required but the message cannot be signed: no signing identity for other.test");
}

TEST_CASE("sender policy") {
    auto s = settings();
    s.sender_policy = policy();
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec)});
    m.login = "alice";
    SECTION("allowed") { CHECK(decide(m, s).answer == Answer::discard); }
    SECTION("shared address allowed") {
        m.sender = "sales@a.test";
        CHECK(decide(m, s).answer == Answer::discard);
    }
    SECTION("null sender allowed") {
        m.sender = "";
        CHECK(decide(m, s).answer == Answer::discard);
    }
    SECTION("unknown login") {
        m.login = "mallory";
        auto d = decide(m, s);
        CHECK(d.answer == Answer::reject);
        CHECK(d.xcode == "5.7.1");
        CHECK(d.text == "Login mallory may not send mail");
    }
    SECTION("envelope sender not allowed") {
        m.sender = "bob@b.test";
        auto d = decide(m, s);
        CHECK(d.text == "Login alice may not use sender address <bob@b.test>");
        CHECK(d.log[0] == "rejected: Login alice may not use sender address <bob@b.test>");
    }
    SECTION("From not allowed") {
        m.from.address = "boss@a.test";
        CHECK(decide(m, s).text == "Login alice may not use From address boss@a.test");
    }
    SECTION("From not a single mailbox") {
        m.from = FromFacts{false, "", "", "From has 2 mailboxes"};
        CHECK(decide(m, s).text == "From must hold exactly one address of yours (From has 2 mailboxes)");
    }
    SECTION("unauthenticated, rule allow") {
        m.login = "";
        CHECK(decide(m, s).answer == Answer::discard);
    }
    SECTION("unauthenticated, rule reject, outgoing mail") {
        m.login = "";
        s.unauthenticated = UnauthenticatedRule::reject;
        auto d = decide(m, s);
        CHECK(d.answer == Answer::reject);
        CHECK(d.text == "Authentication required to send mail to other domains");
    }
    SECTION("unauthenticated, rule reject, local mail") {
        m.login = "";
        s.unauthenticated = UnauthenticatedRule::reject;
        m.recipients = {rcpt("l@a.test", "local", std::nullopt)};
        CHECK(decide(m, s).answer == Answer::proceed);
    }
}

TEST_CASE("a lookup that could not start follows on_dns_error") {
    auto r = rcpt("x@sec.test", "smtp", std::nullopt);
    r.lookup_failed = true;
    auto m = message({r});
    auto s = settings();
    SECTION("tempfail") {
        auto d = decide(m, s);
        CHECK(d.answer == Answer::tempfail);
        CHECK(d.code == "451");
        CHECK(d.xcode == "4.4.3");
        CHECK(d.text == "SMTPsec discovery unavailable for sec.test, try again later");
    }
    SECTION("reject") {
        s.on_dns_error = FailureAction::reject;
        CHECK(decide(m, s).xcode == "5.4.3");
    }
    SECTION("accept: taken and retried by the queue") {
        s.on_dns_error = FailureAction::accept;
        auto d = decide(m, s);
        CHECK(d.answer == Answer::discard);
        CHECK(d.log[0] == "to=<x@sec.test> taken: discovery could not start, queued for retry");
    }
}

TEST_CASE("queue failures follow on_queue_error, never accept when SMTPsec is required") {
    auto m = message({});
    auto s = settings();
    auto d = queue_failure(m, s, "disk full");
    CHECK(d.answer == Answer::tempfail);
    CHECK(d.text == "Local problem storing the message, try again later");
    CHECK(d.log[0] == "tempfail: queue error: disk full");
    s.on_queue_error = FailureAction::reject;
    CHECK(queue_failure(m, s, "x").code == "550");
    s.on_queue_error = FailureAction::accept;
    CHECK(queue_failure(m, s, "x").answer == Answer::proceed);
    CHECK(queue_failure(m, s, "x").take.empty());
    m.require_security = true;
    CHECK(queue_failure(m, s, "x").answer == Answer::tempfail);
}

TEST_CASE("a failed take-over says the recipients were not taken, in one line each") {
    auto m = message({rcpt("x@sec.test", "smtp", DomainVerdict::smtpsec),
                      rcpt("y@ins.test", "smtp", DomainVerdict::none_insecure)});
    auto s = settings();
    auto wanted = decide(m, s);
    REQUIRE(wanted.log[0] == "to=<x@sec.test> taken: smtpsec (test)");
    auto d = queue_failure(m, s, "disk full", &wanted);
    CHECK(d.answer == Answer::tempfail);
    CHECK(d.log == std::vector<std::string>{
                       "to=<x@sec.test> not taken, the queue failed (SMTPsec discovery: smtpsec (test))",
                       "to=<y@ins.test> left to the MTA: none_insecure (test)",
                       "tempfail: queue error: disk full"});
}

TEST_CASE("internal failures follow on_internal_error") {
    auto s = settings();
    CHECK(internal_failure(s, "boom").answer == Answer::tempfail);
    s.on_internal_error = FailureAction::reject;
    CHECK(internal_failure(s, "boom").xcode == "5.3.0");
    s.on_internal_error = FailureAction::accept;
    CHECK(internal_failure(s, "boom").answer == Answer::proceed);
}

TEST_CASE("domain_listed") {
    std::vector<std::string> list = {"a.test", ".b.test"};
    CHECK(domain_listed(list, "A.TEST."));
    CHECK_FALSE(domain_listed(list, "x.a.test"));
    CHECK(domain_listed(list, "x.b.test"));
    CHECK_FALSE(domain_listed(list, "b.test"));
    CHECK_FALSE(domain_listed(list, "xb.test"));
    CHECK(domain_listed(list, "a.x.b.test"));
    CHECK_FALSE(domain_listed(list, "a.test.example"));
}

// How a message's security requirement is learnt and combined
// (src/milter/requirement.h): 1 beats 0, whatever the order.
#include <catch2/catch.hpp>

#include "milter/decision.h"
#include "milter/requirement.h"

using namespace smtpsec::milter;

TEST_CASE("a requirement is raised to the strongest request and names it", "[milter][requirement]") {
    SecurityRequirement r;
    CHECK(r.describe().empty());
    r.raise(RequirementLevel::tls, "MAIL parameter REQUIRETLS");
    CHECK(r.required);
    CHECK(r.tls_suffices);
    CHECK(r.describe() == "SMTPsec or verified TLS required (MAIL parameter REQUIRETLS)");
    r.raise(RequirementLevel::smtpsec, "Require-SMTPsec header");
    CHECK_FALSE(r.tls_suffices);
    CHECK(r.describe() == "SMTPsec required (Require-SMTPsec header)");
    // A weaker request later never lowers it, nor renames it.
    r.raise(RequirementLevel::tls, "sender policy");
    CHECK_FALSE(r.tls_suffices);
    CHECK(r.reason == "Require-SMTPsec header");
}

TEST_CASE("the first of two equal requests is the one named", "[milter][requirement]") {
    SecurityRequirement r;
    r.raise(RequirementLevel::smtpsec, "MAIL parameter REQUIRESMTPSEC");
    r.raise(RequirementLevel::smtpsec, "listener submission");
    CHECK(r.reason == "MAIL parameter REQUIRESMTPSEC");
}

TEST_CASE("REQUIRETLS among the MAIL parameters (RFC 8689)", "[milter][requirement]") {
    CHECK(requests_tls({"SIZE=10", "REQUIRETLS"}));
    CHECK(requests_tls({"requiretls "}));
    CHECK_FALSE(requests_tls({"SIZE=10", "REQUIRESMTPSEC"}));
    CHECK_FALSE(requests_tls({"REQUIRETLS=yes"}));
    CHECK_FALSE(requests_tls({}));
}

TEST_CASE("Require-SMTPsec values: yes is 1, tls is 0, anything else nothing", "[milter][requirement]") {
    auto yes = requirement_of_header(" Yes\r\n", "Require-SMTPsec");
    CHECK(yes.required);
    CHECK_FALSE(yes.tls_suffices);
    CHECK(yes.reason == "Require-SMTPsec header");
    auto tls = requirement_of_header("TLS", "Require-SMTPsec");
    CHECK(tls.required);
    CHECK(tls.tls_suffices);
    CHECK_FALSE(requirement_of_header("no", "Require-SMTPsec").required);
    CHECK_FALSE(requirement_of_header("tls please", "Require-SMTPsec").required);
}

namespace {

RecipientFacts rcpt(std::string address, DomainVerdict verdict) {
    RecipientFacts r;
    r.as_given = "<" + address + ">";
    r.address = address;
    r.domain = address.substr(address.find('@') + 1);
    r.mailer = "smtp";
    r.verdict = VerdictResult{verdict, "test"};
    return r;
}

MessageFacts requiring(bool tls_suffices, std::vector<RecipientFacts> recipients) {
    MessageFacts m;
    m.sender = "alice@a.test";
    m.from.single_mailbox = true;
    m.from.address = "alice@a.test";
    m.from.domain = "a.test";
    m.require_security = true;
    m.tls_suffices = tls_suffices;
    m.require_reason = "MAIL parameter REQUIRETLS";
    m.recipients = std::move(recipients);
    return m;
}

MilterSettings settings() {
    MilterSettings s;
    s.signing_domains = {"a.test"};
    s.never_takeover_domains = {"never.test"};
    return s;
}

}  // namespace

TEST_CASE("require_security 0: SMTP-only recipients are taken, to leave over verified TLS only",
          "[milter][requirement]") {
    auto d = decide(requiring(true, {rcpt("x@sec.test", DomainVerdict::smtpsec),
                                     rcpt("dave@smtp.test", DomainVerdict::none_secure),
                                     rcpt("erin@ins.test", DomainVerdict::none_insecure)}),
                    settings());
    CHECK(d.answer == Answer::discard);
    CHECK(d.take == std::vector<std::size_t>{0, 1, 2});
    CHECK(d.log ==
          std::vector<std::string>{
              "to=<x@sec.test> taken: smtpsec (test)",
              "to=<dave@smtp.test> taken: none_secure (test), to leave by SMTP over verified TLS only",
              "to=<erin@ins.test> taken: none_insecure (test), to leave by SMTP over verified TLS only"});
}

TEST_CASE("require_security 1: the same message is refused", "[milter][requirement]") {
    auto d = decide(requiring(false, {rcpt("x@sec.test", DomainVerdict::smtpsec),
                                      rcpt("dave@smtp.test", DomainVerdict::none_secure)}),
                    settings());
    CHECK(d.answer == Answer::reject);
    CHECK(d.xcode == "5.7.30");
    CHECK(d.text == "SMTPsec required but not available for smtp.test");
    CHECK(d.take.empty());
}

TEST_CASE("require_security 0 does not take a never-takeover domain: refused", "[milter][requirement]") {
    auto d = decide(requiring(true, {rcpt("z@never.test", DomainVerdict::none_secure)}), settings());
    CHECK(d.answer == Answer::reject);
    CHECK(d.text == "SMTPsec required but not available for never.test");
}

TEST_CASE("require_security 0 with a From we cannot sign is refused, not left to plain SMTP",
          "[milter][requirement]") {
    auto m = requiring(true, {rcpt("dave@smtp.test", DomainVerdict::none_secure)});
    m.from.domain = "other.test";
    auto d = decide(m, settings());
    CHECK(d.answer == Answer::reject);
    CHECK(d.text == "SMTPsec required but the message cannot be signed: no signing identity for other.test");
}

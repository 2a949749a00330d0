// Inbound authorisation (inbound/sender_authorisation.h, issue 18 point 4):
// white and black lists per recipient and per recipient domain, keyed on the
// authenticated From address or domain, with defaults; and the file's parser.
#include <catch2/catch.hpp>

#include "inbound/sender_authorisation.h"

using namespace smtpsec::inbound;

namespace {

SenderAuthorisation policy_of(std::string_view text) {
    auto parsed = parse_sender_authorisation(text, "policy");
    if (!parsed) {
        for (const auto& p : parsed.error()) UNSCOPED_INFO(p.line << ": " << p.reason);
    }
    REQUIRE(parsed);
    return std::move(*parsed);
}

SenderRule rule(const SenderAuthorisation& p, std::string_view rcpt, std::string_view sender) {
    return p.decide(rcpt, sender).rule;
}

std::vector<std::string> problems_of(std::string_view text) {
    auto parsed = parse_sender_authorisation(text, "policy");
    REQUIRE_FALSE(parsed);
    std::vector<std::string> out;
    for (const auto& p : parsed.error()) out.push_back(std::to_string(p.line) + ": " + p.reason);
    return out;
}

}  // namespace

TEST_CASE("white list: a recipient with default refuse takes mail only from the senders it allows",
          "[inbound][authorisation]") {
    const auto p = policy_of(
        "bob@b.test allow carol@a.test @friends.example\n"
        "bob@b.test default refuse\n");
    CHECK(rule(p, "bob@b.test", "carol@a.test") == SenderRule::allow);
    CHECK(rule(p, "bob@b.test", "anyone@friends.example") == SenderRule::allow);
    CHECK(rule(p, "bob@b.test", "dave@a.test") == SenderRule::refuse);
    CHECK(p.decide("bob@b.test", "carol@a.test").basis == AuthorisationBasis::sender_address);
    CHECK(p.decide("bob@b.test", "x@friends.example").basis == AuthorisationBasis::sender_domain);
    CHECK(p.decide("bob@b.test", "dave@a.test").basis == AuthorisationBasis::default_line);
    CHECK(p.decide("bob@b.test", "dave@a.test").line == 2);
    // Another recipient has no rules: the built-in allow.
    CHECK(rule(p, "alice@b.test", "dave@a.test") == SenderRule::allow);
    CHECK(p.decide("alice@b.test", "dave@a.test").basis == AuthorisationBasis::built_in_default);
}

TEST_CASE("black list: a refused sender address or domain is refused, everyone else allowed",
          "[inbound][authorisation]") {
    const auto p = policy_of("bob@b.test refuse mallory@a.test @spam.example\n");
    CHECK(rule(p, "bob@b.test", "mallory@a.test") == SenderRule::refuse);
    CHECK(rule(p, "bob@b.test", "anyone@spam.example") == SenderRule::refuse);
    CHECK(rule(p, "bob@b.test", "alice@a.test") == SenderRule::allow);
    // A subdomain is another domain: "@spam.example" names that domain only.
    CHECK(rule(p, "bob@b.test", "x@sub.spam.example") == SenderRule::allow);
    CHECK(p.decide("bob@b.test", "mallory@a.test").line == 1);
}

TEST_CASE("default: the most specific default decides for senders on neither list",
          "[inbound][authorisation]") {
    const auto p = policy_of(
        "*          default refuse\n"
        "@b.test    default allow\n"
        "bob@b.test default refuse\n");
    CHECK(rule(p, "bob@b.test", "x@a.test") == SenderRule::refuse);
    CHECK(p.decide("bob@b.test", "x@a.test").line == 3);
    CHECK(rule(p, "alice@b.test", "x@a.test") == SenderRule::allow);
    CHECK(p.decide("alice@b.test", "x@a.test").line == 2);
    CHECK(rule(p, "carol@c.test", "x@a.test") == SenderRule::refuse);
    CHECK(p.decide("carol@c.test", "x@a.test").line == 1);
}

TEST_CASE("default: an empty policy allows every sender", "[inbound][authorisation]") {
    const auto p = policy_of("# nothing yet\n\n");
    CHECK(rule(p, "bob@b.test", "x@a.test") == SenderRule::allow);
}

TEST_CASE("precedence: the recipient's own list beats its domain's, the domain's beats '*'",
          "[inbound][authorisation]") {
    const auto p = policy_of(
        "*          refuse @a.test\n"
        "@b.test    allow  @a.test\n"
        "@b.test    refuse @c.test\n"
        "bob@b.test allow  @c.test\n");
    CHECK(rule(p, "bob@b.test", "x@c.test") == SenderRule::allow);     // bob's own list
    CHECK(rule(p, "alice@b.test", "x@c.test") == SenderRule::refuse);  // b.test's list
    CHECK(rule(p, "alice@b.test", "x@a.test") == SenderRule::allow);   // b.test's beats '*'
    CHECK(rule(p, "carol@d.test", "x@a.test") == SenderRule::refuse);  // only '*' names it
}

TEST_CASE("precedence: within one recipient, the sender's address beats the sender's domain",
          "[inbound][authorisation]") {
    const auto p = policy_of(
        "bob@b.test refuse @a.test\n"
        "bob@b.test allow  alice@a.test\n");
    CHECK(rule(p, "bob@b.test", "alice@a.test") == SenderRule::allow);
    CHECK(rule(p, "bob@b.test", "mallory@a.test") == SenderRule::refuse);
}

TEST_CASE("precedence: a list entry of the domain beats the recipient's default",
          "[inbound][authorisation]") {
    // The default is for senders on neither list; the domain's black list is a list.
    const auto p = policy_of(
        "@b.test    refuse @spam.example\n"
        "bob@b.test default allow\n");
    CHECK(rule(p, "bob@b.test", "x@spam.example") == SenderRule::refuse);
    CHECK(rule(p, "bob@b.test", "x@a.test") == SenderRule::allow);
}

TEST_CASE("IDN and case: U-labels, A-labels and capitals name the same recipient and sender",
          "[inbound][authorisation]") {
    const auto p = policy_of(
        "Bob@Bücher.Example refuse Mallory@XN--BCHER-KVA.example\n"
        "@xn--bcher-kva.example refuse @Ünter.example\n");
    CHECK(rule(p, "bob@xn--bcher-kva.example", "mallory@bücher.example") == SenderRule::refuse);
    CHECK(rule(p, "BOB@BÜCHER.EXAMPLE", "MALLORY@Bücher.Example") == SenderRule::refuse);
    CHECK(rule(p, "bob@bücher.example", "alice@bücher.example") == SenderRule::allow);
    CHECK(rule(p, "carol@bücher.example", "x@xn--nter-zra.example") == SenderRule::refuse);
    CHECK(rule(p, "carol@BÜCHER.example", "x@ünter.EXAMPLE") == SenderRule::refuse);
}

TEST_CASE("the parser names each bad line with its number and reason", "[inbound][authorisation]") {
    const auto problems = problems_of(
        "bob@b.test allow alice@a.test\n"    // 1: fine
        "bob@b.test permit alice@a.test\n"   // 2: unknown rule
        "bob@b.test allow\n"                 // 3: no sender
        "bob allow alice@a.test\n"           // 4: recipient without '@'
        "bob@b.test default maybe\n"         // 5: bad default
        "bob@b.test default refuse\n"        // 6: fine
        "bob@b.test default allow\n"         // 7: second default
        "bob@b.test refuse alice@a.test\n"   // 8: listed twice
        "bob@b.test refuse x@[192.0.2.1]\n"  // 9: domain literal
        "bob@b.test refuse x@bad_domain!\n"  // 10: bad domain
        "bob@b.test\n"                       // 11: no rule
        "\"b\"@b.test refuse x@a.test\n");   // 12: quoted local part
    REQUIRE(problems.size() == 10);
    CHECK(problems[0] == "2: unknown rule 'permit' (expected allow, refuse or default)");
    CHECK(problems[1] == "3: 'allow' needs at least one sender address or @domain");
    CHECK(problems[2] ==
          "4: recipient 'bob' is neither an address (user@example.org) nor a domain (@example.org)");
    CHECK(problems[3] == "5: 'default' takes one word: allow or refuse");
    CHECK(problems[4] == "7: recipient 'bob@b.test' already has a default on line 6");
    CHECK(problems[5] == "8: sender 'alice@a.test' is already listed for recipient 'bob@b.test' on line 1");
    CHECK(problems[6] == "9: sender 'x@[192.0.2.1]': a domain literal names a host, not a mail domain");
    CHECK_THAT(problems[7], Catch::StartsWith("10: sender 'x@bad_domain!': bad domain"));
    CHECK(problems[8] == "11: recipient 'bob@b.test' has no rule (allow, refuse or default)");
    CHECK(problems[9] == "12: recipient '\"b\"@b.test': quoted local parts are not supported");
}

TEST_CASE("the parser ignores comments and blank lines, and counts them in line numbers",
          "[inbound][authorisation]") {
    const auto problems = problems_of("# header\n\n   \t\nbob@b.test allow # nobody\r\n");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "4: 'allow' needs at least one sender address or @domain");
}

TEST_CASE("an unreadable policy file is one problem without a line", "[inbound][authorisation]") {
    auto loaded = load_sender_authorisation("/nonexistent/smtpsec-policy");
    REQUIRE_FALSE(loaded);
    REQUIRE(loaded.error().size() == 1);
    CHECK(loaded.error()[0].line == 0);
    CHECK_THAT(loaded.error()[0].reason, Catch::StartsWith("cannot read"));
}

TEST_CASE("refused recipients move to the unknown_address list in the Email's order; the others stay",
          "[inbound][authorisation]") {
    const auto p = policy_of("bob@b.test refuse @a.test\ndave@b.test refuse @a.test\n");
    const std::vector<std::string> all = {"bob@b.test", "x@elsewhere.example", "carol@b.test", "dave@b.test"};
    RecipientSplit split;
    split.ours = {"bob@b.test", "carol@b.test", "dave@b.test"};
    split.not_ours = {"x@elsewhere.example"};
    std::vector<SenderRule> seen;
    auto n = authorise_recipients(split, all, "mallory@a.test", &p,
                                  [&](const RecipientAuthorisation& a) { seen.push_back(a.rule); },
                                  {"C1", "peer", 1});
    CHECK(n == 2);
    CHECK(split.ours == std::vector<std::string>{"carol@b.test"});
    CHECK(split.not_ours == std::vector<std::string>{"bob@b.test", "x@elsewhere.example", "dave@b.test"});
    CHECK(seen == std::vector<SenderRule>{SenderRule::refuse, SenderRule::allow, SenderRule::refuse});
}

TEST_CASE("without a policy every recipient stays and nothing is counted", "[inbound][authorisation]") {
    RecipientSplit split;
    split.ours = {"bob@b.test"};
    int calls = 0;
    CHECK(authorise_recipients(split, {"bob@b.test"}, "x@a.test", nullptr, [&](const auto&) { ++calls; },
                               {"C1", "peer", 1}) == 0);
    CHECK(split.ours == std::vector<std::string>{"bob@b.test"});
    CHECK(calls == 0);
}

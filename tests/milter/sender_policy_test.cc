// The sender policy file (src/milter/sender_policy.h): parsing, login
// normalisation, and every refused line with its exact message.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "milter/sender_policy.h"

using namespace smtpsec::milter;

namespace {

SenderPolicy parsed(std::string_view text) {
    auto p = parse_sender_policy(text, "policy");
    REQUIRE(p);
    return *p;
}

std::vector<std::string> problems(std::string_view text) {
    auto p = parse_sender_policy(text, "policy");
    REQUIRE_FALSE(p);
    return p.error();
}

}  // namespace

TEST_CASE("addresses, domains and shared addresses") {
    auto p = parsed(
        "# comment\n"
        "\n"
        "Alice   alice@A.test  postmaster@a.test   # trailing comment\n"
        "bob@a.test\t@b.test\n"
        "\"CN=carol, O=A\"  carol@a.test\n"
        "shared sales@a.test alice dave\n");
    CHECK(p.may_use("alice", "ALICE@a.test"));
    CHECK(p.may_use("ALICE", "postmaster@a.test"));
    CHECK_FALSE(p.may_use("alice", "bob@a.test"));
    CHECK(p.may_use("bob@a.test", "anyone@b.test"));
    CHECK_FALSE(p.may_use("bob@a.test", "x@sub.b.test"));
    CHECK(p.may_use("cn=carol, o=a", "carol@a.test"));
    CHECK(p.may_use("alice", "sales@a.test"));
    CHECK(p.may_use("dave", "sales@a.test"));
    CHECK_FALSE(p.may_use("dave", "alice@a.test"));
    CHECK_FALSE(p.may_use("", "alice@a.test"));
}

TEST_CASE("logins with and without realm") {
    auto p = parsed(
        "alice alice@a.test\nbob@a.test bob@a.test\ncarol@x.test c@x.test\ncarol@y.test c@y.test\n");
    CHECK(p.find_login("alice@a.test") == "alice");  // Postfix appended a realm
    CHECK(p.find_login("bob") == "bob@a.test");      // Sendmail's bare login, one candidate
    CHECK(p.find_login("carol").empty());            // two realms: no guess
    CHECK(p.find_login("carol@y.test") == "carol@y.test");
    CHECK(p.find_login(" BOB@A.TEST ") == "bob@a.test");
    CHECK(p.may_use("bob", "bob@a.test"));
    CHECK(normalise_login("  Bob@A.Test\t") == "bob@a.test");
}

TEST_CASE("broken policy files are refused with every problem") {
    CHECK(problems("alice \"alice@a.test\nbob @b.test\n") ==
          std::vector<std::string>{"policy:1: unterminated quoted token"});
    CHECK(problems("alice\n") == std::vector<std::string>{"policy:1: login 'alice' has no addresses"});
    CHECK(problems("alice alice\n") ==
          std::vector<std::string>{"policy:1: 'alice' is not an address or @domain"});
    CHECK(problems("alice alice@\n") == std::vector<std::string>{"policy:1: bad domain in 'alice@'"});
    CHECK(problems("alice @a..test\n") == std::vector<std::string>{"policy:1: bad domain in '@a..test'"});
    CHECK(problems("alice a@a.test\n\nALICE b@a.test\n") ==
          std::vector<std::string>{"policy:3: login 'alice' already listed on line 1"});
    CHECK(problems("shared sales@a.test\n") ==
          std::vector<std::string>{"policy:1: 'shared' needs an address and at least one login"});
    CHECK(problems("shared @a.test alice\n") ==
          std::vector<std::string>{"policy:1: 'shared' takes one address, not a domain ('@a.test')"});
    CHECK(problems("\"\" a@a.test\nshared s@a.test \"\"\n") ==
          std::vector<std::string>{"policy:1: empty login", "policy:2: empty login"});
    CHECK(problems("alice a@a.test b@b_c.test\nbob x\n") ==
          std::vector<std::string>{"policy:1: bad domain in 'b@b_c.test'",
                                   "policy:2: 'x' is not an address or @domain"});
}

TEST_CASE("a quoted \"shared\" is a login") {
    auto p = parsed("\"shared\" s@a.test\n");
    CHECK(p.may_use("shared", "s@a.test"));
}

TEST_CASE("load_sender_policy reads a file and names it in problems") {
    std::string path = "milter_policy_test.txt";
    {
        std::ofstream out(path);
        out << "alice alice@a.test\nbob\n";
    }
    auto p = load_sender_policy(path);
    std::remove(path.c_str());
    REQUIRE_FALSE(p);
    CHECK(p.error() == std::vector<std::string>{path + ":2: login 'bob' has no addresses"});
    auto missing = load_sender_policy("/nonexistent/policy");
    REQUIRE_FALSE(missing);
    CHECK(missing.error() ==
          std::vector<std::string>{"/nonexistent/policy: cannot read: No such file or directory"});
}

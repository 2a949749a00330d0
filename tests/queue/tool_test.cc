// smtpsec-queue run as a program on a spool built here: its listing, the
// effect of hold, release, flush and delete on the files, and exit codes.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "queue_fixture.h"

using namespace smtpsec::queue;
using namespace smtpsec::queue::testing;

namespace {

struct Run {
    int status = -1;
    std::string out;
};

Run run(const std::string& directory, const std::string& args) {
    const char* bin = std::getenv("SMTPSEC_QUEUE");
    REQUIRE(bin != nullptr);
    std::string cmd = std::string(bin) + " -d " + directory + " -p " + directory + "/no.pid " + args +
                      " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    Run r;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) r.out.append(buffer, n);
    int raw = ::pclose(p);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
}

}  // namespace

TEST_CASE("smtpsec-queue lists, holds, releases, flushes and deletes", "[queue][tool]") {
    smtpsec::testing::TempDir dir;
    std::string q = dir.file("q");
    Spool spool(q);
    auto first = *spool.accept(sample_new({"bob@b.test", "carol@c.test"}));
    auto m = sample_new({"dave@d.test"}, "");
    auto second = *spool.accept(m);
    REQUIRE(spool.update(first, [](Envelope& e) {
        e.recipients[0].attempts = 2;
        e.recipients[0].last_error = "no answer from mx.b.test";
        e.recipients[0].next_attempt += 3600;
        e.recipients[1].state = RecipientState::delivered;
        return true;
    }));

    auto list = run(q, "list");
    CHECK(list.status == 0);
    CHECK(list.out.find(first) != std::string::npos);
    CHECK(list.out.find(second) != std::string::npos);
    CHECK(list.out.find("alice@a.test") != std::string::npos);
    CHECK(list.out.find("MAILER-DAEMON") != std::string::npos);
    CHECK(list.out.find("bob@b.test (pending, attempts 2, next in ") != std::string::npos);
    CHECK(list.out.find("(no answer from mx.b.test)") != std::string::npos);
    CHECK(list.out.find("carol@c.test (delivered)") != std::string::npos);
    CHECK(list.out.find("in 2 Requests.") != std::string::npos);

    auto hold = run(q, "hold " + first);
    CHECK(hold.status == 0);
    CHECK(spool.load(first)->held);
    CHECK_FALSE(spool.load(second)->held);
    CHECK(run(q, "list").out.find(first + "!") != std::string::npos);

    auto json = run(q, "list --json");
    REQUIRE(json.status == 0);
    auto j = nlohmann::json::parse(json.out);
    REQUIRE(j.size() == 2);
    CHECK(j[0]["id"] == first);
    CHECK(j[0]["held"] == true);
    CHECK(j[0]["size"] == sample_message().size());
    CHECK(j[1]["sender"] == "");

    CHECK(run(q, "release ALL").status == 0);
    CHECK_FALSE(spool.load(first)->held);

    auto before = spool.load(first)->recipients[0].next_attempt;
    CHECK(run(q, "flush " + first).status == 0);
    auto after = spool.load(first)->recipients[0].next_attempt;
    CHECK(after < before);

    auto missing = run(q, "delete " + first + " 00000000000000000000F");
    CHECK(missing.status == 1);
    CHECK(missing.out.find("00000000000000000000F: no such queue entry") != std::string::npos);
    CHECK(spool.list() == std::vector<std::string>{second});

    CHECK(run(q, "delete ALL").status == 0);
    CHECK(spool.list().empty());
    CHECK(run(q, "list").out.find("Mail queue is empty") != std::string::npos);
}

TEST_CASE("smtpsec-queue usage errors exit 64", "[queue][tool]") {
    smtpsec::testing::TempDir dir;
    Spool spool(dir.file("q"));
    CHECK(run(dir.file("q"), "").status == 64);
    CHECK(run(dir.file("q"), "hold").status == 64);
    CHECK(run(dir.file("q"), "frobnicate").status == 64);
    CHECK(run(dir.file("q"), "--help").status == 0);
}

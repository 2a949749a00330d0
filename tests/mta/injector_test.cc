// The MTA client's driver (mta::Injector) on a real event loop and real
// sockets, against Postfix's smtp-sink: what the transcripts of
// client_session_test.cc cannot show (the socket, partial writes of a large
// message, the timers, results handed over from the loop).
#include <catch2/catch.hpp>

#include <regex>

#include "event/timer.h"
#include "imf/dot_stuff.h"
#include "mta/injector.h"
#include "support/smtp_sink.h"

using namespace smtpsec;
using namespace smtpsec::mta;
using smtpsec::test::SmtpSink;

namespace {

const std::string head = "From: alice@a.test\r\nTo: bob@b.test\r\nSubject: hi\r\n\r\n";

// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const char* name)
        : path(std::filesystem::temp_directory_path() / fmt::format("smtpsec-mta-{}-{}", name, ::getpid())) {
        std::filesystem::remove_all(path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// A port nothing listens on.
std::uint16_t closed_port() {
    auto fd = net::listen_on(*net::Endpoint::parse("127.0.0.1", 0));
    return net::local_endpoint(fd->get()).port();  // closed again when fd goes
}

struct Harness {
    event::Loop loop;
    std::unique_ptr<Injector> injector;
    std::vector<Result> results;

    explicit Harness(std::uint16_t port, const char* ip = "127.0.0.1", double idle = 30) {
        InjectorConfig config{ip, port, "gw.b.test", {}};
        config.timeouts.connect = std::chrono::duration<double>(2);
        config.timeouts.reply = std::chrono::duration<double>(5);
        config.timeouts.final_reply = std::chrono::duration<double>(60);
        config.timeouts.idle = std::chrono::duration<double>(idle);
        injector = std::make_unique<Injector>(loop, config);
    }
    void send(Request r) {
        injector->send(std::move(r), [this](Result x) { results.push_back(std::move(x)); });
    }
    bool run_until(const std::function<bool()>& done, double limit = 30) {
        event::Timer guard(loop, [] {});
        guard.start(std::chrono::duration<double>(limit));
        while (!done() && guard.active()) loop.run_once();
        return done();
    }
};

// `text` with CRLF as LF, as smtp-sink writes its dumps.
std::string lf(const std::string& text) { return std::regex_replace(text, std::regex("\r\n"), "\n"); }

// The message part of an smtp-sink dump (after its own Received field), LF.
std::string message_of(const std::string& dump) {
    auto at = dump.find("\nReceived: ");
    REQUIRE(at != std::string::npos);
    at = dump.find('\n', at + 1);
    while (dump[at + 1] == '\t' || dump[at + 1] == ' ') at = dump.find('\n', at + 1);
    std::string m = dump.substr(at + 1);
    REQUIRE(m.ends_with("\n\n"));  // smtp-sink ends each dump with an empty line
    return m.substr(0, m.size() - 1);
}

}  // namespace

TEST_CASE(
    "messages reach a real smtp-sink over one kept-alive connection, byte-exact, and the idle connection is "
    "closed",
    "[integration]") {
    TempDir dir("sink");
    SmtpSink sink(dir.path);
    std::string big;
    for (int i = 0; big.size() < 3 * 1024 * 1024; ++i)
        big += (i % 7 == 0 ? ".line " : "line ") + std::to_string(i) + "\r\n";
    Harness h(sink.port, "127.0.0.1", /*idle=*/0.5);
    h.send(
        Request{"alice@a.test", {"bob@b.test", "carol@b.test"}, {Bytes::copy_of(head), Bytes::copy_of(big)}});
    h.send(Request{"", {"dave@b.test"}, {Bytes::copy_of(head + ".\r\n..x\r\n")}});
    REQUIRE(h.run_until([&] { return h.results.size() == 2; }));
    CHECK(h.injector->transactions_on_connection() == 2);
    REQUIRE(h.run_until([&] { return !h.injector->connected(); }));

    for (const auto& r : h.results) {
        INFO(r.reason);
        CHECK(r.outcome == Outcome::delivered);
        CHECK(r.step == Step::final_dot);
        for (const auto& rcpt : r.recipients) CHECK(rcpt.outcome == Outcome::delivered);
    }
    auto dumps = sink.dumps();
    REQUIRE(dumps.size() == 2);
    std::sort(dumps.begin(), dumps.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    CHECK_THAT(dumps[0], Catch::Contains("X-Mail-Args: <alice@a.test>"));
    CHECK(message_of(dumps[0]) == lf(head + big));  // dots unstuffed by the MTA: stuffed right
    CHECK_THAT(dumps[1], Catch::Contains("X-Mail-Args: <>"));
    CHECK(message_of(dumps[1]) == lf(head + ".\r\n..x\r\n"));
}

TEST_CASE("over IPv6 loopback too", "[integration]") {
    TempDir dir("sink6");
    SmtpSink sink(dir.path, "::1");
    Harness h(sink.port, "::1");
    h.send(Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head + "x\r\n")}});
    REQUIRE(h.run_until([&] { return h.results.size() == 1; }));
    CHECK(h.results[0].outcome == Outcome::delivered);
    CHECK(sink.dumps().size() == 1);
}

TEST_CASE("an MTA that is down defers every queued message, reported from the loop and never inside send()",
          "[integration]") {
    Harness h(closed_port());
    h.send(Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head)}});
    h.send(Request{"alice@a.test", {"carol@b.test"}, {Bytes::copy_of(head)}});
    h.send(Request{"alice@a.test", {}, {Bytes::copy_of(head)}});  // refused before anything is sent
    CHECK(h.results.empty());
    REQUIRE(h.run_until([&] { return h.results.size() == 3; }));
    CHECK(h.results[0].outcome == Outcome::refused);  // finished first: it never waited for the connection
    CHECK(h.results[0].reason == "no recipients");
    for (std::size_t i = 1; i < 3; ++i) {
        CHECK(h.results[i].outcome == Outcome::deferred);
        CHECK(h.results[i].step == Step::connection);
        CHECK_THAT(h.results[i].reason, Catch::Contains("Connection refused"));
    }
    CHECK_FALSE(h.injector->connected());
    CHECK(h.injector->pending() == 0);
}

TEST_CASE("a callback may destroy the injector: the results not yet handed over are dropped",
          "[integration]") {
    Harness h(closed_port());
    int calls = 0;
    h.injector->send(Request{"alice@a.test", {"bob@b.test"}, {Bytes::copy_of(head)}}, [&](Result) {
        ++calls;
        h.injector.reset();  // destroyed from its own callback
    });
    h.injector->send(Request{"alice@a.test", {"carol@b.test"}, {Bytes::copy_of(head)}},
                     [&](Result) { ++calls; });
    REQUIRE(h.run_until([&] { return calls > 0; }));
    h.loop.run_nowait();
    h.loop.run_nowait();
    CHECK(calls == 1);
    CHECK_FALSE(h.injector);
}

TEST_CASE("an unusable address or HELO name is a start-up exception", "[integration]") {
    event::Loop loop;
    CHECK_THROWS_AS(Injector(loop, InjectorConfig{"localhost", 25, "gw.b.test", {}}), std::invalid_argument);
    CHECK_THROWS_AS(Injector(loop, InjectorConfig{"127.0.0.1", 25, "gw b", {}}), std::invalid_argument);
    CHECK_NOTHROW(Injector(loop, InjectorConfig{"::1", 25, "gw.b.test", {}}));
}

// Our outbound client (Deliverer, Connection, ClientSession) against a
// hostile SMTPsec server (issue 13, "Our outbound client against a hostile
// SMTPsec server"): real signed DNS names the server, real TLS with a
// certificate that passes CA + CT, then the server misbehaves as each case
// scripts (hostile_server.h). Every case asserts that the client survives,
// that its memory stays bounded, that every Email gets exactly one report,
// and that no recipient is marked delivered without a proper answer for
// that Email (docs/decisions.md point 18).
//
// An unknown_address that names an address which was not a recipient of
// the Email it references, or names none at all, is an invalid answer: the
// server has lost track of which Email it answers, so its word on the other
// recipients cannot be trusted either. The Email is deferred (retried, never
// marked delivered) and the connection ends (outbound/outcome.h).
#include <fmt/core.h>

#include <chrono>
#include <cstring>
#include <fstream>

#include "hostile_server.h"
#include "outbound/connection.h"
#include "outbound/sign_email.h"
#include "raw_client.h"
#include "sites.h"

using namespace smtpsec;
using namespace smtpsec::test;
using Leaf = testpki::TestPki::Leaf;
using outbound::RecipientStatus;

namespace {

// Limits the cases are measured against; adjust here.
constexpr double kConnectTimeout = 2;      // TCP + TLS + ServerHello (Timeouts::connect)
constexpr double kAnswerTimeout = 2;       // silence while Emails are unanswered
constexpr long kMaxGrowthKiB = 48 * 1024;  // peak RSS above the start of a case

struct World {
    Sites s;
    Leaf ga_leaf;
    std::unique_ptr<HostileServer> evil;

    World() {
        ga_leaf = s.pki.leaf({"mx.ga.test"});
        s.add({"ga.test", ga_leaf, {}});
        // The hostile server stands where our listener would: at the SRV
        // target of evil.test, with a certificate for that target.
        auto reserved = reserve_port();
        auto port = net::local_endpoint(reserved.get()).port();
        s.add_records(
            fmt::format("evil.test _smtpsec._tcp.evil.test. 3600 IN SRV 0 0 {} mx.evil.test.\n"
                        "evil.test mx.evil.test. 3600 IN A 127.0.0.1\n",
                        port));
        auto files = testpki::TestPki::write(s.pki.leaf({"mx.evil.test"}), s.dir, "evil");
        auto creds = tls::Credentials::server(files.cert, files.key);
        REQUIRE(creds);
        s.start();
        evil = std::make_unique<HostileServer>(s.loop, *creds, std::move(reserved));
    }
};

World& world() {
    static World w;
    return w;
}

long status_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}
// Resets the peak RSS (VmHWM) to the current RSS (Linux clear_refs 5).
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct Outcome {
    std::map<std::uint64_t, outbound::DeliveryReport> reports;
    std::map<std::uint64_t, int> calls;  // callbacks per Email: must be 1
    double seconds = 0;
    long growth_kib = 0;

    RecipientStatus status(std::uint64_t id, const std::string& rcpt) const {
        for (const auto& r : reports.at(id).recipients)
            if (r.recipient == rcpt) return r.status;
        FAIL("no outcome for " << rcpt);
        return RecipientStatus::temporary;
    }
    std::string details() const {
        std::string out;
        for (const auto& [id, r] : reports) {
            for (const auto& o : r.recipients)
                out += fmt::format("#{} {} {}: {}\n", id, o.recipient, outbound::name_of(o.status), o.detail);
            for (const auto& a : r.attempts) out += fmt::format("#{} attempt: {}\n", id, a);
        }
        return out;
    }
};

std::string message(std::uint64_t id, std::size_t body_bytes = 0) {
    std::string body(body_bytes, 'x');
    for (std::size_t i = 998; i < body.size(); i += 1000) body[i - 1] = '\r', body[i] = '\n';
    return fmt::format(
        "SMTPsec-Used:\r\nFrom: Alice <alice@ga.test>\r\nTo: bob@evil.test\r\nSubject: "
        "{}\r\n\r\nHello.\r\n{}\r\n",
        id, body);
}

// Sends one Email per entry of `recipients` (ids 1, 2, ...) to evil.test on
// one fresh Deliverer, pipelined on one connection, and waits for every report.
Outcome send(const std::vector<std::vector<std::string>>& recipients, double wait = 20,
             std::vector<std::size_t> body_bytes = {}, long max_growth_kib = kMaxGrowthKiB) {
    auto& w = world();
    auto files = testpki::TestPki::write(w.ga_leaf, w.s.dir, "ga-sender");
    auto id = SigningIdentity::load(files.cert, files.key);
    REQUIRE(id);
    auto creds = tls::Credentials::client();
    REQUIRE(creds);
    outbound::ConnectionSettings settings{*creds, w.s.policy, id->chain, {}};
    settings.timeouts.connect = kConnectTimeout;
    settings.timeouts.answer = kAnswerTimeout;
    settings.timeouts.idle = 0.5;
    auto deliverer = std::make_unique<outbound::Deliverer>(w.s.loop, *w.s.resolver, id->key, settings);

    Outcome out;
    long before = status_kib("VmRSS:");
    reset_peak();
    auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < recipients.size(); ++i) {
        outbound::OutboundEmail e;
        e.id = i + 1;
        e.domain = "evil.test";
        e.recipients = recipients[i];
        e.message = Bytes::copy_of(message(e.id, i < body_bytes.size() ? body_bytes[i] : 0));
        deliverer->deliver(std::move(e), [&out](outbound::DeliveryReport r) {
            ++out.calls[r.id];
            out.reports[r.id] = std::move(r);
        });
    }
    bool all = run_until(
        w.s.loop, [&] { return out.reports.size() == recipients.size(); }, wait);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.growth_kib = status_kib("VmHWM:") - before;
    // Time for a second report that must not come.
    run_until(
        w.s.loop, [] { return false; }, 0.3);
    INFO(out.details());
    REQUIRE(all);
    for (const auto& [i, n] : out.calls) CHECK(n == 1);
    CHECK(out.growth_kib < max_growth_kib);
    return out;
}

// The server answers each Email with what `answer(number)` gives.
using Frames = std::vector<std::vector<std::uint8_t>>;
void answer_with(std::function<Frames(std::uint32_t)> answer) {
    auto& evil = *world().evil;
    evil.reset_script();
    evil.on_message = [answer](HostileServer::Peer& p, std::uint32_t number, const Message&) {
        if (number == 0) return;  // the ClientHello
        for (auto& bytes : answer(number)) p.send_raw(std::move(bytes));
    };
}

std::vector<std::uint8_t> delivered(std::uint32_t number) {
    return encode(Message{{}, EmailDelivered{number}});
}
std::vector<std::uint8_t> error(ErrorCode code, std::optional<std::uint32_t> number,
                                std::vector<std::string> unknown = {}) {
    return encode(Message{{}, Error{code, number, std::move(unknown)}});
}

// `count` addresses "u<i>@<domain>" padded to `length` bytes.
std::vector<std::string> strangers(std::size_t count, std::size_t length,
                                   const std::string& domain = "evil.test") {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        auto local = fmt::format("u{}", i);
        if (local.size() + 1 + domain.size() < length)
            local += std::string(length - 1 - domain.size() - local.size(), 'x');
        out.push_back(local + "@" + domain);
    }
    return out;
}

const std::string kBob = "bob@evil.test", kCarol = "carol@evil.test";

}  // namespace

TEST_CASE("control: the hostile server's proper answers are taken as they are",
          "[integration][hostile-server]") {
    answer_with([](std::uint32_t n) {
        if (n == 1) return Frames{delivered(1)};
        return Frames{error(ErrorCode::unknown_address, n, {"carol@EVIL.test"})};
    });
    auto out = send({{kBob}, {kBob, kCarol}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::delivered);
    CHECK(out.status(2, kBob) == RecipientStatus::delivered);
    CHECK(out.status(2, kCarol) == RecipientStatus::permanent);
}

TEST_CASE("malformed answers: nothing is delivered, every Email is deferred",
          "[integration][hostile-server]") {
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> cases = {
        {"an EmailDelivered with garbage for its number",
         raw_frame(20, 4, std::vector<std::uint8_t>(9, 0xee))},
        {"a frame of an unknown type", raw_frame(11, 0x77)},
        {"a size below 11", raw_frame(5, 4)},
        {"a size of 2^63", raw_frame(1ull << 63, 4)},
        {"a size short of the EmailDelivered's parts", raw_frame(12, 4, {0, 0, 1})},
        {"an Error with code 200", raw_frame(16, 0, {200, 1, 0, 0, 1})},
        {"an Error with reference 9", raw_frame(13, 0, {1, 9})},
    };
    for (const auto& [name, bytes] : cases) {
        SECTION(name) {
            answer_with([bytes = bytes](std::uint32_t) { return Frames{bytes}; });
            auto out = send({{kBob}, {kCarol}});
            INFO(out.details());
            CHECK(out.status(1, kBob) == RecipientStatus::temporary);
            CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
        }
    }
}

TEST_CASE("answers for Emails never sent never count", "[integration][hostile-server]") {
    SECTION("EmailDelivered for the ClientHello") {
        answer_with([](std::uint32_t) { return Frames{delivered(0)}; });
    }
    SECTION("EmailDelivered for a number not yet sent") {
        answer_with([](std::uint32_t n) { return Frames{delivered(n + 1)}; });
    }
    SECTION("EmailDelivered for the last number a uint24 holds") {
        answer_with([](std::uint32_t) { return Frames{delivered(0xFFFFFF)}; });
    }
    SECTION("an unknown_address for a number out of range") {
        answer_with([](std::uint32_t) { return Frames{error(ErrorCode::unknown_address, 4242, {kBob})}; });
    }
    auto out = send({{kBob}, {kCarol}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
}

TEST_CASE("a duplicate answer delivers nothing more", "[integration][hostile-server]") {
    answer_with([](std::uint32_t n) {
        if (n == 1) return Frames{delivered(1), delivered(1)};
        return Frames{delivered(n)};
    });
    auto out = send({{kBob}, {kCarol}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::delivered);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
}

TEST_CASE("an answer sent before the ServerHello counts for nothing", "[integration][hostile-server]") {
    auto& evil = *world().evil;
    evil.reset_script();
    evil.on_start = [](HostileServer::Peer& p) {
        p.send_raw(delivered(1));
        p.send(Message{{}, ServerHello{0}});
    };
    auto out = send({{kBob}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
}

TEST_CASE("an answer in the same flight as the ServerHello, then a close, gets one report",
          "[integration][hostile-server]") {
    // The answer's number is our first Email's by the time it is read; what
    // matters is that the Email is reported exactly once, not left hanging.
    auto& evil = *world().evil;
    evil.reset_script();
    evil.on_start = [](HostileServer::Peer& p) {
        auto bytes = encode(Message{{}, ServerHello{0}});
        auto answer = delivered(1);
        bytes.insert(bytes.end(), answer.begin(), answer.end());
        p.send_raw(bytes);
    };
    evil.on_message = [](HostileServer::Peer& p, std::uint32_t n, const Message&) {
        if (n == 1) p.reset();
    };
    auto out = send({{kBob}});
    INFO(out.details());
    CHECK(out.reports.at(1).recipients.size() == 1);
}

TEST_CASE("an endless ServerHello costs a bounded time and memory", "[integration][hostile-server]") {
    auto& evil = *world().evil;
    evil.reset_script();
    SECTION("its size claims 16 GiB, then bytes trickle") {
        evil.on_start = [](HostileServer::Peer& p) {
            auto header = raw_frame(16ull << 30, 1);
            p.send_raw(header);
            p.trickle(std::vector<std::uint8_t>(100000, 0), 0.01);
        };
    }
    SECTION("its size claims 1,000,000 bytes, which trickle in one by one") {
        evil.on_start = [](HostileServer::Peer& p) {
            p.trickle(raw_frame(1000000, 1, std::vector<std::uint8_t>(1000000 - 11, 0)), 0.005);
        };
    }
    SECTION("it never comes") {
        evil.on_start = [](HostileServer::Peer&) {};
    }
    auto out = send({{kBob}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
    CHECK(out.seconds < kConnectTimeout + 3);
}

TEST_CASE("huge Errors: bounded memory, nothing wrongly delivered", "[integration][hostile-server]") {
    SECTION("unknown_address with 65,535 addresses of 200 bytes (13 MB) for our Email") {
        // Made before the case starts: only the client's memory is measured.
        auto list = strangers(65534, 200);
        list.push_back(kBob);
        auto huge = error(ErrorCode::unknown_address, 1, list);
        list.clear();
        list.shrink_to_fit();
        answer_with([huge = std::move(huge)](std::uint32_t) { return Frames{huge}; });
        auto out = send({{kBob, kCarol}});
        INFO(out.details());
        CHECK(out.status(1, kBob) == RecipientStatus::temporary);
        CHECK(out.status(1, kCarol) == RecipientStatus::temporary);
    }
    SECTION("unknown_address with 65,535 short addresses, none of them ours") {
        answer_with([](std::uint32_t n) {
            return Frames{error(ErrorCode::unknown_address, n, strangers(65535, 0, "e.t"))};
        });
        auto out = send({{kBob, kCarol}});
        INFO(out.details());
        CHECK(out.status(1, kBob) == RecipientStatus::temporary);
        CHECK(out.status(1, kCarol) == RecipientStatus::temporary);
    }
    SECTION("unknown_address naming one of our recipients 65,535 times") {
        answer_with([](std::uint32_t n) {
            return Frames{
                error(ErrorCode::unknown_address, n, std::vector<std::string>(65535, "bob@EVIL.test"))};
        });
        auto out = send({{kBob, kCarol}});
        INFO(out.details());
        CHECK(out.status(1, kBob) == RecipientStatus::permanent);
        CHECK(out.status(1, kCarol) == RecipientStatus::delivered);
    }
}

TEST_CASE("an unknown_address naming anything but our recipients is invalid: deferred, connection ended",
          "[integration][hostile-server]") {
    SECTION("a recipient that was not in the Email") {
        answer_with([](std::uint32_t n) {
            return Frames{error(ErrorCode::unknown_address, n, {kBob, "mallory@evil.test"})};
        });
    }
    SECTION("a recipient of another Email on the connection") {
        answer_with([](std::uint32_t n) {
            return Frames{error(ErrorCode::unknown_address, n, {n == 1 ? kCarol : kBob})};
        });
    }
    SECTION("an empty list") {
        answer_with([](std::uint32_t n) { return Frames{error(ErrorCode::unknown_address, n, {})}; });
    }
    auto out = send({{kBob}, {kCarol}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
}

TEST_CASE("internal_error mid-stream: what was answered stands, the rest is deferred",
          "[integration][hostile-server]") {
    SECTION("internal_error referencing the second Email") {
        answer_with([](std::uint32_t n) {
            if (n == 2) return Frames{error(ErrorCode::internal_error, n)};
            return Frames{delivered(n)};
        });
    }
    SECTION("internal_error with no reference after the first answer") {
        answer_with([](std::uint32_t n) {
            if (n == 1) return Frames{delivered(1), error(ErrorCode::internal_error, std::nullopt)};
            return Frames{};
        });
    }
    auto out = send({{kBob}, {kCarol}, {"dave@evil.test"}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::delivered);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
    CHECK(out.status(3, "dave@evil.test") == RecipientStatus::temporary);
}

TEST_CASE("a flood of Errors that do not end the session delivers nothing", "[integration][hostile-server]") {
    // D5: illegal_message with no reference is logged and the session goes on
    // (or, before D5, ends it); either way the Email is never delivered.
    answer_with([](std::uint32_t n) {
        std::vector<std::uint8_t> flood;
        auto one = error(ErrorCode::illegal_message, std::nullopt);
        for (int i = 0; i < 100000; ++i) flood.insert(flood.end(), one.begin(), one.end());
        auto refuse = error(ErrorCode::illegal_parameter, 0);
        flood.insert(flood.end(), refuse.begin(), refuse.end());
        (void)n;
        return Frames{flood};
    });
    auto out = send({{kBob}}, 30);
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
}

TEST_CASE("a close without answers defers every Email", "[integration][hostile-server]") {
    auto& evil = *world().evil;
    evil.reset_script();
    SECTION("close_notify after reading the Emails") {
        evil.on_message = [](HostileServer::Peer& p, std::uint32_t n, const Message&) {
            if (n == 2) p.close();
        };
    }
    SECTION("TCP dropped after reading the Emails") {
        evil.on_message = [](HostileServer::Peer& p, std::uint32_t n, const Message&) {
            if (n == 2) p.reset();
        };
    }
    SECTION("silence after the ServerHello") {}
    auto out = send({{kBob}, {kCarol}});
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::temporary);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
    CHECK(out.seconds < kAnswerTimeout + 3);
}

TEST_CASE("an answer sent just before the server drops the connection while we still write is taken",
          "[integration][hostile-server]") {
    // The server answers the first Email and drops the TCP connection while
    // the second (16 MiB) is still being written: the write fails, and the
    // answer already in our socket buffer must still be read (tls::Stream),
    // or the first Email is reported as never answered and sent twice.
    auto& evil = *world().evil;
    evil.reset_script();
    evil.on_start = [](HostileServer::Peer& p) { p.send(Message{{}, ServerHello{0}}); };
    evil.on_message = [](HostileServer::Peer& p, std::uint32_t n, const Message&) {
        if (n != 1) return;
        p.send_raw(delivered(1));
        p.reset_after_write();
    };
    auto out = send({{kBob}, {kCarol}}, 20, {0, 16 << 20}, 256 * 1024);  // our own 16 MiB Email, in copies
    INFO(out.details());
    CHECK(out.status(1, kBob) == RecipientStatus::delivered);
    CHECK(out.status(2, kCarol) == RecipientStatus::temporary);
}

TEST_CASE("a fault while the Owner handles an answer: that Email is abandoned with the rest, not forgotten",
          "[integration][hostile-server]") {
    // The Owner's on_answer throws before it reported the Email (as a fault
    // in the Deliverer's own code would). The connection's guard ends the
    // connection; the answer was already taken from the session, so unless
    // the connection lists it in on_closed nobody would ever report it and
    // its queue entry would wait for ever.
    auto& w = world();
    answer_with([](std::uint32_t n) { return Frames{delivered(n)}; });
    auto files = testpki::TestPki::write(w.ga_leaf, w.s.dir, "ga-sender");
    auto id = SigningIdentity::load(files.cert, files.key);
    REQUIRE(id);
    auto creds = tls::Credentials::client();
    REQUIRE(creds);
    outbound::ConnectionSettings settings{*creds, w.s.policy, id->chain, {}};
    settings.timeouts.connect = kConnectTimeout;
    settings.timeouts.answer = kAnswerTimeout;
    settings.timeouts.idle = 0.5;

    struct Owner final : outbound::Connection::Owner {
        std::vector<std::uint64_t> answered, abandoned;
        bool closed = false;
        void on_established(outbound::Channel&) override {}
        void on_answer(outbound::Channel&, session::EmailAnswer a) override {
            if (a.id == 2) throw std::runtime_error("a fault in the Owner");
            answered.push_back(a.id);
        }
        void on_closed(outbound::Channel&, const outbound::Ending&, std::vector<std::uint64_t> ids) override {
            closed = true;
            abandoned = std::move(ids);
        }
    } owner;
    auto at = net::Endpoint::parse("127.0.0.1", w.evil->port());
    REQUIRE(at);
    outbound::Connection c(w.s.loop, owner, settings,
                           outbound::Target{"evil.test", "mx.evil.test", w.evil->port(), {}, *at});
    c.start();
    for (std::uint64_t n = 1; n <= 3; ++n) {
        outbound::OutboundEmail e;
        e.id = n;
        e.domain = "evil.test";
        e.recipients = {kBob};
        e.message = Bytes::copy_of(message(n));
        auto signed_email = outbound::sign_email(id->key, e);
        REQUIRE(signed_email);
        c.send(n, std::move(*signed_email));
    }
    REQUIRE(run_until(
        w.s.loop, [&] { return owner.closed; }, 20));
    INFO("answered " << owner.answered.size() << ", abandoned " << owner.abandoned.size());
    // Email 1 was answered; 2's answer was being handled when the fault came;
    // 3 is either unanswered or answered and not yet handed over.
    CHECK(owner.answered == std::vector<std::uint64_t>{1});
    CHECK(owner.abandoned == std::vector<std::uint64_t>{2, 3});
}

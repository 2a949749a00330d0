// Plays the local MTA against an mta::ClientSession, with no socket and no
// clock, and writes down everything that happens, in order, so that a test
// asserts one whole transcript:
//   "C: MAIL FROM:<a@a.test>"   a line the client wrote
//   "S: 250 2.1.0 Ok"            a line the MTA sent
//   "-- connect"                 the client asks for a connection ("-- close": drops it)
//   "-- connected", "-- connect fails: why", "-- the MTA hangs up", "-- reply timeout"
//   "=> #1 delivered at final dot: 250 Ok"       a message's Result,
//   "   <bob@b.test> delivered: 250 Ok"           then each recipient's (", ours": code 0, our reason)
// The harness acts as the driver does (mta/injector.cc): after every input
// it takes the close, connect and timer requests, writes everything the
// session has (unless `socket_full`), and collects the results.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mta/client_session.h"

namespace smtpsec::mta::testing {

inline std::string_view name_of(ClientSession::Timeout t) {
    using T = ClientSession::Timeout;
    switch (t) {
    case T::none: return "none";
    case T::connect: return "connect";
    case T::reply: return "reply";
    case T::data_write: return "data_write";
    case T::final_reply: return "final_reply";
    case T::idle: return "idle";
    }
    return "?";
}

// "C: " or "S: " before each CRLF-ended line of `bytes`.
inline std::string lines_of(std::string_view who, std::string_view bytes) {
    std::string out;
    while (!bytes.empty()) {
        auto end = bytes.find("\r\n");
        std::string_view line = bytes.substr(0, end);
        out += fmt::format("{}{}\n", who, line);
        bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 2);
    }
    return out;
}

struct Mta {
    ClientSession session{"gw.b.test", "127.0.0.1:10026"};
    std::string transcript;
    std::vector<ClientSession::Finished> results;
    ClientSession::Timeout timer = ClientSession::Timeout::none;
    bool open = false;         // a connection is up or being opened
    bool socket_full = false;  // the driver cannot write now
    std::string written;       // every byte the client wrote, on every connection
    std::size_t largest_write = 0;

    void submit(std::uint64_t id, Request request) {
        session.submit(id, std::move(request));
        step();
    }
    void connected() {
        transcript += "-- connected\n";
        session.connected();
        step();
    }
    void connect_fails(const std::string& why) {
        transcript += "-- connect fails: " + why + "\n";
        session.connect_failed(why);
        step();
    }
    void says(std::string_view bytes) {
        transcript += lines_of("S: ", bytes);
        session.received(bytes);
        step();
    }
    // The MTA's last bytes and its close, read together.
    void says_and_hangs_up(std::string_view bytes) {
        transcript += lines_of("S: ", bytes) + "-- the MTA hangs up\n";
        session.received(bytes, "the MTA closed the connection");
        step();
    }
    void hangs_up() { says_and_hangs_up(""); }
    void times_out() {
        transcript += fmt::format("-- {} timeout\n", name_of(timer));
        session.timed_out();
        step();
    }
    // The usual start of a connection: greeting and EHLO with these keywords.
    void greets(std::string_view ehlo_reply) {
        connected();
        says("220 mx.test ESMTP\r\n");
        says(ehlo_reply);
    }

    void step() {
        for (;;) {
            if (session.take_close()) {
                transcript += "-- close\n";
                open = false;
            }
            if (session.take_connect()) {
                transcript += "-- connect\n";
                open = true;
            }
            if (auto t = session.take_timer()) timer = *t;
            for (auto& f : session.take_finished()) {
                transcript += describe(f);
                results.push_back(std::move(f));
            }
            if (socket_full || session.to_write().empty()) return;
            std::string_view out = session.to_write();
            largest_write = std::max(largest_write, out.size());
            written += out;
            transcript += lines_of("C: ", out);
            session.wrote(out.size());
        }
    }

    static std::string describe(const ClientSession::Finished& f) {
        std::string out = fmt::format("=> #{} {} at {}: {}\n", f.id, mta::name_of(f.result.outcome),
                                      mta::name_of(f.result.step), f.result.reason);
        for (const auto& r : f.result.recipients) {
            // The code shows only where the text does not start with it ("ours": 0, no reply decided it).
            std::string code = r.code == 0 ? ", ours"
                               : r.text.rfind(std::to_string(r.code), 0) == 0
                                   ? ""
                                   : fmt::format(", code {}", r.code);
            out += fmt::format("   <{}> {}{}: {}\n", r.address, mta::name_of(r.outcome), code, r.text);
        }
        return out;
    }
    // The transcript so far, cleared: for tests that check it in parts.
    std::string take() { return std::exchange(transcript, {}); }
};

}  // namespace smtpsec::mta::testing

// Shared pieces of the queue tests: a sample message, a spool in a private
// temporary directory, and fakes of the runner's Transport and MailSubmitter
// that record every call and let the test decide each outcome.
//
// Why fakes: the runner's policy (retries, bounces, hand-back, concurrency)
// must be checked without a network, with a clock the test moves.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crypto/test_files.h"
#include "log/log.h"
#include "queue/ports.h"
#include "queue/spool.h"

namespace smtpsec::queue::testing {

inline const std::string sample_body = "The secret body text.\r\n";

inline std::string sample_message(const std::string& subject = "Hello") {
    return "Received: from a.test by mx.a.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
           "From: Alice <alice@a.test>\r\n"
           "To: bob@b.test\r\n"
           "Subject: " +
           subject +
           "\r\n"
           "Message-ID: <m1@a.test>\r\n"
           "\r\n" +
           sample_body;
}

inline NewRecipient recipient(const std::string& address) {
    return {"<" + address + ">", address, address.substr(address.rfind('@') + 1)};
}

inline NewMessage sample_new(std::vector<std::string> recipients = {"bob@b.test"},
                             std::string sender = "alice@a.test") {
    NewMessage m;
    m.mta_queue_id = "4Xq1";
    m.sender = std::move(sender);
    m.from_domain = "a.test";
    for (const auto& r : recipients) m.recipients.push_back(recipient(r));
    m.message = sample_message();
    return m;
}

struct FakeTransport : Transport {
    struct Call {
        std::string from_domain;
        Delivery email;
        std::function<void(DeliveryReport)> done;
    };
    std::vector<Call> calls;

    void deliver(const std::string& from_domain, Delivery email,
                 std::function<void(DeliveryReport)> done) override {
        calls.push_back({from_domain, std::move(email), std::move(done)});
    }

    // Answers call `i` with one status for all its recipients.
    void answer(std::size_t i, DeliveryStatus status, const std::string& detail,
                const std::string& server = "mx.b.test[127.0.0.1]:4650") {
        DeliveryReport report;
        report.server = server;
        for (const auto& r : calls.at(i).email.recipients) report.recipients.push_back({r, status, detail});
        auto done = std::move(calls.at(i).done);
        done(std::move(report));
    }
};

struct FakeSubmitter : MailSubmitter {
    struct Call {
        mta::Request request;
        std::function<void(mta::Result)> done;
        bool secure = false;  // through submit_secure (the secure hand-back port)
        std::string message() const {
            std::string m;
            for (const auto& piece : request.message) m += piece.view();
            return m;
        }
    };
    std::vector<Call> calls;

    void submit(mta::Request request, std::function<void(mta::Result)> done) override {
        calls.push_back({std::move(request), std::move(done)});
    }
    void submit_secure(mta::Request request, std::function<void(mta::Result)> done) override {
        calls.push_back({std::move(request), std::move(done), true});
    }

    void accept(std::size_t i) {
        mta::Result result{mta::Outcome::delivered, mta::Step::final_dot, "250 2.0.0 Ok", {}};
        for (const auto& r : calls.at(i).request.recipients)
            result.recipients.push_back({r, mta::Outcome::delivered, 250, "250 2.1.5 Ok"});
        auto done = std::move(calls.at(i).done);
        done(std::move(result));
    }

    void fail_temporarily(std::size_t i, const std::string& reason = "connection refused") {
        mta::Result result{mta::Outcome::deferred, mta::Step::connection, reason, {}};
        for (const auto& r : calls.at(i).request.recipients)
            result.recipients.push_back({r, mta::Outcome::deferred, 0, reason});
        auto done = std::move(calls.at(i).done);
        done(std::move(result));
    }
};

// Collects log lines while alive.
struct LogCapture {
    std::vector<std::string> lines;
    LogCapture() {
        log::set_sink([this](log::Level, std::string_view line) { lines.emplace_back(line); });
    }
    ~LogCapture() { log::set_sink({}); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    bool contains(const std::string& a, const std::string& b = "") const {
        for (const auto& l : lines)
            if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
        return false;
    }
};

}  // namespace smtpsec::queue::testing

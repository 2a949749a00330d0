// Two gateways on loopback for integration tests: a sending side (the
// outbound Deliverer) and a receiving side (the inbound Listener) on one
// libev loop, with real TLS, a real signed DNS fixture (nsd) and a test PKI
// with real CT logs. What the receiving side would hand to its MTA is
// captured by a LocalDelivery the test controls.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "event/loop.h"
#include "event/timer.h"
#include "inbound/listener.h"
#include "net/socket.h"
#include "outbound/deliverer.h"
#include "smtpsec/signature.h"
#include "support/dns_fixture.h"
#include "tls/pki_helper.h"

namespace smtpsec::test {

// A LocalDelivery that records requests and answers as told.
class CaptureDelivery : public inbound::LocalDelivery {
public:
    struct Delivered {
        inbound::LocalDeliveryRequest request;
        std::string data() const { return request.head + std::string(request.body.view()); }
    };
    std::vector<Delivered> delivered;
    std::function<inbound::LocalDeliveryResult(const inbound::LocalDeliveryRequest&)> answer =
        [](const inbound::LocalDeliveryRequest&) {
            return inbound::LocalDeliveryResult{
                inbound::LocalDeliveryResult::Kind::delivered, {}, "250 2.0.0 Ok"};
        };
    // While set, each answer waits in `held` until release_held(): an Email
    // stays in flight for as long as a test needs.
    bool hold = false;
    std::vector<std::function<void()>> held;
    void release_held() {
        auto answers = std::move(held);
        held.clear();
        for (auto& a : answers) a();
    }
    void deliver(inbound::LocalDeliveryRequest request, Callback callback) override {
        auto result = answer(request);
        if (result.kind != inbound::LocalDeliveryResult::Kind::temporary) delivered.push_back({request});
        if (hold) {
            held.push_back([callback = std::move(callback), result = std::move(result)]() mutable {
                callback(std::move(result));
            });
            return;
        }
        callback(std::move(result));
    }
};

// Runs the loop until `done()` or `seconds` pass; false on timeout.
// A listening socket on a port the kernel picked, kept open until it is
// used: a port that was only probed could be taken in between (as the source
// port of another test's connection) and the later bind would fail.
inline net::UniqueFd reserve_port() {
    auto any = net::Endpoint::parse("127.0.0.1", 0);
    REQUIRE(any);
    auto reserved = net::listen_on(*any);
    REQUIRE(reserved);
    return std::move(*reserved);
}

inline bool run_until(event::Loop& loop, const std::function<bool()>& done, double seconds = 20) {
    bool timed_out = false;
    event::Timer guard(loop, [&] { timed_out = true; });
    guard.start(event::Timer::Seconds(seconds));
    while (!done() && !timed_out) loop.run_once();
    return !timed_out;
}

inline std::filesystem::path temp_dir(const std::string& stem) {
    auto dir = std::filesystem::temp_directory_path() /
               (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(dir);
    return dir;
}

// One receiving gateway: its certificate, listener and captured deliveries.
struct Receiver {
    std::string domain, host;
    std::filesystem::path cert, key;
    inbound::InboundSettings settings;
    CaptureDelivery delivery;
    inbound::LocalDelivery* next_hop = nullptr;  // set: used instead of `delivery`
    std::unique_ptr<inbound::OriginAuthenticator> authenticator;
    std::unique_ptr<inbound::InboundContext> context;
    std::unique_ptr<inbound::Listener> listener;
    std::uint16_t port = 0;
    int next_id = 0;
};

}  // namespace smtpsec::test

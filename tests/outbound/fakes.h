// A scripted Discoverer and Transport for the Deliverer's unit tests: DNS
// answers and connection endings come from a table the test writes, and
// every question and connection is written to one transcript the test
// asserts whole. Both keep the real contracts: answers and endings come
// from the loop on a later iteration, never inside the call, and a
// cancelled Request is never answered.
#pragma once

#include <fmt/core.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event/defer_event.h"
#include "event/request.h"
#include "outbound/discoverer.h"
#include "outbound/transport.h"

namespace smtpsec::outbound::fake {

using Transcript = std::vector<std::string>;

class FakeDiscoverer final : public Discoverer {
public:
    FakeDiscoverer(event::Loop& loop, Transcript& transcript)
        : transcript_(transcript), answer_(loop, [this] { answer_due(); }) {}

    std::map<std::string, dns::Discovery> srv;        // by domain; else defer
    std::map<std::string, dns::TlsaResult> tlsa_of;   // by host; else insecure (none)
    std::map<std::string, dns::AddressResult> addrs;  // by host; else none

    event::Request discover(std::string_view domain, DiscoveryCallback callback) override {
        transcript_.push_back(fmt::format("SRV _smtpsec._tcp.{}", domain));
        dns::Discovery d;
        d.reason = "no answer scripted";
        if (auto it = srv.find(std::string(domain)); it != srv.end()) d = it->second;
        return later<dns::Discovery>(std::move(callback), d);
    }
    event::Request tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback) override {
        transcript_.push_back(fmt::format("TLSA _{}._tcp.{}", port, host));
        dns::TlsaResult t;
        t.verdict = dns::TlsaVerdict::insecure;
        if (auto it = tlsa_of.find(std::string(host)); it != tlsa_of.end()) t = it->second;
        return later<dns::TlsaResult>(std::move(callback), t);
    }
    event::Request addresses(std::string_view host, AddressCallback callback) override {
        transcript_.push_back(fmt::format("AAAA+A {}", host));
        dns::AddressResult a;
        a.host = host;
        if (auto it = addrs.find(std::string(host)); it != addrs.end()) a = it->second;
        return later<dns::AddressResult>(std::move(callback), a);
    }

private:
    template <class Result, class Callback>
    event::Request later(Callback callback, Result result) {
        auto [call, request] = event::cancellable<const Result&>(std::move(callback));
        due_.push_back([call = std::move(call), result] { call(result); });
        answer_.schedule();
        return std::move(request);
    }
    void answer_due() {
        auto due = std::exchange(due_, {});
        for (auto& f : due) f();
    }

    Transcript& transcript_;
    std::deque<std::function<void()>> due_;
    event::DeferEvent answer_;
};

// How the server at one address behaves.
struct Server {
    std::optional<ConnectionOutcome> fails_with;  // ends before the ServerHello
    std::string detail;                           // its text
    std::vector<std::string> unknown;             // answers unknown_address naming these
    bool lost_after_established = false;          // drops the session, nothing answered
};

class FakeChannel final : public Channel {
public:
    FakeChannel(event::Loop& loop, Owner& owner, Target target, Server server, Transcript& transcript)
        : owner_(owner),
          target_(std::move(target)),
          server_(std::move(server)),
          transcript_(transcript),
          step_(loop, [this] { step(); }) {}

    void start() override {
        transcript_.push_back("connect " + server());
        step_.schedule();
    }
    void send(std::uint64_t id, Message email) override {
        transcript_.push_back(fmt::format("send #{} to {}", id, server()));
        (void)email;
        unanswered_.push_back(id);
        if (started_) step_.schedule();
    }
    void close_when_idle() override {
        closing_ = true;
        step_.schedule();
    }
    void abort(const std::string& reason) override {
        end({started_ ? ConnectionOutcome::lost : ConnectionOutcome::session_failure, started_, reason});
    }
    bool full() const override { return false; }
    bool closing() const override { return closing_ || ending_.has_value(); }
    std::string server() const override {
        return fmt::format("{}[{}]:{}", target_.host, target_.address.ip(), target_.port);
    }

private:
    void end(Ending e) {
        if (ending_) return;
        ending_ = std::move(e);
        step_.schedule();
    }
    std::vector<std::uint64_t> take_unanswered() {
        std::vector<std::uint64_t> ids;
        for (auto id : unanswered_) ids.push_back(id);
        unanswered_.clear();
        return ids;
    }
    void step() {
        if (ending_) {
            transcript_.push_back(fmt::format("{} ended: {}", server(), name_of(ending_->outcome)));
            owner_.on_closed(*this, *ending_, take_unanswered());  // the last act
            return;
        }
        if (!started_) {
            if (server_.fails_with) {
                end({*server_.fails_with, false, server_.detail});
                return;
            }
            started_ = true;
            owner_.on_established(*this);
            if (ending_) return;
        }
        if (server_.lost_after_established) {
            end({ConnectionOutcome::lost, true, "connection reset by peer"});
            return;
        }
        while (!unanswered_.empty() && !ending_) {
            auto id = unanswered_.front();
            unanswered_.pop_front();
            session::EmailAnswer answer{id, std::nullopt, {}};
            if (!server_.unknown.empty()) {
                answer.error = ErrorCode::unknown_address;
                answer.unknown = server_.unknown;
            }
            owner_.on_answer(*this, answer);
        }
        if (closing_ && !ending_) end({ConnectionOutcome::closed, true, "closed"});
    }

    Owner& owner_;
    Target target_;
    Server server_;
    Transcript& transcript_;
    bool started_ = false;
    bool closing_ = false;
    std::deque<std::uint64_t> unanswered_;
    std::optional<Ending> ending_;
    event::DeferEvent step_;
};

class FakeTransport final : public Transport {
public:
    FakeTransport(event::Loop& loop, Transcript& transcript) : loop_(loop), transcript_(transcript) {}

    // By address as net::Endpoint::to_string() writes it; an address not
    // listed is a server that delivers everything.
    std::map<std::string, Server> servers;

    std::unique_ptr<Channel> open(Channel::Owner& owner, Target target) override {
        Server s;
        if (auto it = servers.find(target.address.to_string()); it != servers.end()) s = it->second;
        return std::make_unique<FakeChannel>(loop_, owner, std::move(target), s, transcript_);
    }

private:
    event::Loop& loop_;
    Transcript& transcript_;
};

}  // namespace smtpsec::outbound::fake

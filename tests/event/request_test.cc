// event::Request / Cancellable / PendingCall: a callback whose lifetime the
// waiter owns. A fake service stands in for the resolver or a transport.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "event/defer_event.h"
#include "event/request.h"

using namespace smtpsec::event;

namespace {

// Answers every request on the next loop iteration, in order.
class FakeService {
public:
    explicit FakeService(Loop& loop) : answer_(loop, [this] { answer_all(); }) {}

    Request ask(int question, std::function<void(int)> callback) {
        calls_.push_back({question, std::make_unique<PendingCall<int>>(std::move(callback))});
        answer_.schedule();
        return calls_.back().call->link();
    }
    std::size_t waiting() const { return calls_.size(); }

private:
    struct Call {
        int question;
        std::unique_ptr<PendingCall<int>> call;
    };
    void answer_all() {
        auto calls = std::move(calls_);
        calls_.clear();
        for (auto& c : calls) c.call->run(c.question * 2);
    }
    std::vector<Call> calls_;
    DeferEvent answer_;
};

}  // namespace

TEST_CASE("a request's callback runs once and the handle is then empty", "[event-kit]") {
    Loop loop;
    FakeService service(loop);
    int answer = 0;
    Request r = service.ask(21, [&](int a) { answer = a; });
    CHECK(r.pending());
    CHECK(answer == 0);  // never from inside the call
    loop.run();
    CHECK(answer == 42);
    CHECK_FALSE(r.pending());
    r.cancel();  // after the answer: nothing to do
}

TEST_CASE("a destroyed request's callback never runs", "[event-kit]") {
    Loop loop;
    FakeService service(loop);
    int answers = 0;
    {
        Request r = service.ask(1, [&](int) { ++answers; });
    }
    Request kept = service.ask(2, [&](int) { ++answers; });
    loop.run();
    CHECK(answers == 1);
}

TEST_CASE("a waiter destroyed before the answer is never called, with no token", "[event-kit]") {
    Loop loop;
    FakeService service(loop);
    struct Waiter {
        int* answers;
        Request request;
        void ask(FakeService& s) {
            request = s.ask(3, [this](int) { ++*answers; });  // `this` is safe: the Request dies with us
        }
    };
    int answers = 0;
    auto waiter = std::make_unique<Waiter>(Waiter{&answers, {}});
    waiter->ask(service);
    waiter.reset();
    loop.run();
    CHECK(answers == 0);
}

TEST_CASE("a moved request still cancels, and assigning over one cancels it", "[event-kit]") {
    Loop loop;
    FakeService service(loop);
    std::vector<int> got;
    Request a = service.ask(1, [&](int v) { got.push_back(v); });
    Request b = std::move(a);
    CHECK_FALSE(a.pending());
    CHECK(b.pending());
    b = service.ask(5, [&](int v) { got.push_back(v); });  // the first is cancelled
    Request c = service.ask(7, [&](int v) { got.push_back(v); });
    { Request gone = std::move(c); }
    loop.run();
    CHECK(got == std::vector<int>{10});
}

TEST_CASE("a callback may destroy the waiter that holds its request", "[event-kit]") {
    Loop loop;
    FakeService service(loop);
    struct Waiter {
        Request request;
    };
    auto waiter = std::make_unique<Waiter>();
    bool called = false;
    waiter->request = service.ask(1, [&](int) {
        called = true;
        waiter.reset();  // the Request is already unlinked: its destructor does nothing
    });
    loop.run();
    CHECK(called);
    CHECK(waiter == nullptr);
}

TEST_CASE("a request may outlive its service: it is then simply over", "[event-kit]") {
    Loop loop;
    auto service = std::make_unique<FakeService>(loop);
    int answers = 0;
    Request r = service->ask(1, [&](int) { ++answers; });
    service.reset();  // drops its PendingCalls: they unlink
    CHECK_FALSE(r.pending());
    loop.run();
    CHECK(answers == 0);
}

namespace {

// A service of the older shape: takes a std::function, returns nothing.
struct PlainService {
    std::vector<std::function<void(int)>> calls;
    void ask(std::function<void(int)> done) { calls.push_back(std::move(done)); }
    void answer_all(int v) {
        for (auto& c : calls) c(v);
        calls.clear();
    }
};

}  // namespace

TEST_CASE("cancellable() gives a plain service a callback the Request can cancel", "[event-kit]") {
    PlainService service;
    int kept = 0, dropped = 0;
    auto [keep_fn, keep] = cancellable<int>([&](int v) { kept = v; });
    auto [drop_fn, drop] = cancellable<int>([&](int v) { dropped = v; });
    service.ask(std::move(keep_fn));
    service.ask(std::move(drop_fn));
    drop.cancel();
    service.answer_all(9);
    CHECK(kept == 9);
    CHECK(dropped == 0);
    CHECK_FALSE(keep.pending());
}

TEST_CASE("a RequestSet cancels every request still under way when it is destroyed", "[event-kit]") {
    PlainService service;
    int answers = 0;
    {
        RequestSet set;
        for (int i = 0; i < 40; ++i) {  // past the purge point: moves keep the links
            auto [fn, request] = cancellable<int>([&](int) { ++answers; });
            service.ask(std::move(fn));
            set.add(std::move(request));
            if (i == 20) {
                service.answer_all(1);
                CHECK(set.pending() == 0);
            }
        }
        CHECK(set.pending() == 19);
    }
    service.answer_all(2);
    CHECK(answers == 21);
}

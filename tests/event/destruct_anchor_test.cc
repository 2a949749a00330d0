// event::DestructAnchor / DestructObserver: a method learns that a call it
// made destroyed its object, and touches nothing of it afterwards.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include "event/destruct_anchor.h"

using namespace smtpsec::event;

namespace {

// Hands items to a handler in a loop, as tls::Stream hands input.
struct Feeder {
    std::function<void(int)> handler;
    int handed = 0;
    DestructAnchor anchor;

    // Returns false when a handler call destroyed the Feeder.
    bool feed(int n) {
        DestructObserver destroyed(anchor);
        for (int i = 0; i < n; ++i) {
            handler(i);
            if (destroyed) return false;
            ++handed;  // safe: the Feeder still exists
        }
        return true;
    }
};

}  // namespace

TEST_CASE("an observer sees no destruction while its object lives", "[event-kit]") {
    Feeder f;
    f.handler = [](int) {};
    CHECK(f.feed(3));
    CHECK(f.handed == 3);
}

TEST_CASE("a handler that destroys its object stops the loop that called it", "[event-kit]") {
    auto f = std::make_unique<Feeder>();
    int seen = 0;
    f->handler = [&](int i) {
        ++seen;
        if (i == 1) f.reset();
    };
    CHECK_FALSE(f->feed(5));  // f-> is evaluated before the call
    CHECK(seen == 2);
}

TEST_CASE("nested observers are all told, and popped in order", "[event-kit]") {
    auto f = std::make_unique<Feeder>();
    bool inner_destroyed = false, outer_destroyed = false;
    int depth = 0;
    // The handler's body lives on this stack: the closure stored in the
    // Feeder is gone once the Feeder is, so it reads nothing after its call.
    std::function<void(int)> body = [&](int) {
        if (++depth == 2) {
            f.reset();
            return;
        }
        inner_destroyed = !f->feed(1);
    };
    f->handler = [&body](int i) { body(i); };
    outer_destroyed = !f->feed(1);
    CHECK(inner_destroyed);
    CHECK(outer_destroyed);
    CHECK(f == nullptr);
}

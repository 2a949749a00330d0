// Running one asynchronous lookup to completion in integration tests.
#pragma once

#include <optional>

#include "event/loop.h"

namespace smtpsec::dns::testing {

// Calls start(callback) and runs the loop until the callback has fired.
// Termination is the resolver's own promise (every lookup ends, at the
// latest with its timeout).
template <class T, class Start>
T wait_for(event::Loop& loop, Start start) {
    std::optional<T> out;
    start([&](const T& value) { out = value; });
    while (!out) loop.run_once();
    return *out;
}

}  // namespace smtpsec::dns::testing

// The fallback rule as a table (docs/outbound.md, "Fallback"), and how a
// failed connect's errno becomes an outcome.
#include <catch2/catch.hpp>

#include <cerrno>

#include "outbound/attempt_outcome.h"

using namespace smtpsec::outbound;

TEST_CASE("each way a connection ends before its session moves the walk as docs/outbound.md says",
          "[outbound]") {
    struct Row {
        ConnectionOutcome outcome;
        NextStep step;
    };
    const Row rows[] = {
        {ConnectionOutcome::connect_refused, NextStep::next_address},
        {ConnectionOutcome::connect_unreachable, NextStep::next_address},
        {ConnectionOutcome::connect_timeout, NextStep::next_address},
        {ConnectionOutcome::tls_timeout, NextStep::next_address},
        {ConnectionOutcome::tls_failure, NextStep::next_target},
        {ConnectionOutcome::authentication_failure, NextStep::next_target},
        {ConnectionOutcome::hello_timeout, NextStep::next_target},
        {ConnectionOutcome::session_failure, NextStep::next_target},
        {ConnectionOutcome::internal_fault, NextStep::next_target},
        {ConnectionOutcome::local_failure, NextStep::stop},
    };
    for (const auto& row : rows) {
        INFO(name_of(row.outcome));
        CHECK(name_of(next_step_after(row.outcome)) == name_of(row.step));
    }
}

TEST_CASE("a failed connect's errno names the outcome: only a socket we cannot open is ours", "[outbound]") {
    CHECK(connect_outcome(ECONNREFUSED, false) == ConnectionOutcome::connect_refused);
    CHECK(connect_outcome(ETIMEDOUT, false) == ConnectionOutcome::connect_timeout);
    CHECK(connect_outcome(ENETUNREACH, false) == ConnectionOutcome::connect_unreachable);
    CHECK(connect_outcome(EHOSTUNREACH, false) == ConnectionOutcome::connect_unreachable);
    // No IPv6 on this machine: the A address may still work.
    CHECK(connect_outcome(EAFNOSUPPORT, true) == ConnectionOutcome::connect_unreachable);
    CHECK(connect_outcome(EMFILE, true) == ConnectionOutcome::local_failure);
    CHECK(connect_outcome(ENOBUFS, true) == ConnectionOutcome::local_failure);
}

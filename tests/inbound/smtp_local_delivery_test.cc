// How the MTA client's Result becomes the listener's answer (point 18 in
// docs/protocol.md; inbound/smtp_local_delivery.h has the table). Pure.
#include <catch2/catch.hpp>

#include "inbound/smtp_local_delivery.h"

using namespace smtpsec;
using namespace smtpsec::inbound;
using mta::Outcome;
using mta::Step;
using Kind = LocalDeliveryResult::Kind;

TEST_CASE("a delivered message names the recipients the MTA refused") {
    mta::Result r{Outcome::delivered,
                  Step::final_dot,
                  "250 2.0.0 Ok",
                  {{"bob@b.test", Outcome::delivered, 250, "250 2.0.0 Ok"},
                   {"carol@b.test", Outcome::refused, 550, "550 5.1.1 unknown"}}};
    auto local = to_local_delivery_result(r);
    CHECK(local.kind == Kind::delivered);
    CHECK(local.refused == std::vector<std::string>{"carol@b.test"});
    CHECK(local.reason == "250 2.0.0 Ok");
}

TEST_CASE("every recipient refused at RCPT is answered as unknown addresses, not as a refused message") {
    mta::Result r{
        Outcome::refused,
        Step::recipients,
        "every recipient was refused",
        {{"bob@b.test", Outcome::refused, 550, "550 no"}, {"carol@b.test", Outcome::refused, 550, "550 no"}}};
    auto local = to_local_delivery_result(r);
    CHECK(local.kind == Kind::delivered);
    CHECK(local.refused == std::vector<std::string>{"bob@b.test", "carol@b.test"});
}

TEST_CASE("a refusal at any other step refuses the message") {
    for (Step step : {Step::request, Step::mail, Step::data, Step::final_dot}) {
        mta::Result r{Outcome::refused, step, "refused", {{"bob@b.test", Outcome::refused, 550, "550 no"}}};
        INFO(mta::name_of(step));
        CHECK(to_local_delivery_result(r).kind == Kind::refused);
    }
}

TEST_CASE("a deferred message is temporary and names no refused recipient: nothing was delivered") {
    mta::Result r{Outcome::deferred,
                  Step::recipients,
                  "RCPT TO:<carol@b.test> deferred",
                  {{"bob@b.test", Outcome::refused, 550, "550 no"},
                   {"carol@b.test", Outcome::deferred, 451, "451 later"}}};
    auto local = to_local_delivery_result(r);
    CHECK(local.kind == Kind::temporary);
    CHECK(local.refused.empty());
}

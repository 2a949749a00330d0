// Retry schedule and status codes: small pure functions, checked exactly.
#include <catch2/catch.hpp>

#include "queue/backoff.h"
#include "queue/status_code.h"

using namespace smtpsec::queue;

TEST_CASE("backoff doubles from retry_min and is capped at retry_max", "[queue]") {
    QueueSettings s;  // Postfix: 300 s, 4000 s
    CHECK(backoff_delay(1, s) == 300);
    CHECK(backoff_delay(2, s) == 600);
    CHECK(backoff_delay(3, s) == 1200);
    CHECK(backoff_delay(4, s) == 2400);
    CHECK(backoff_delay(5, s) == 4000);
    CHECK(backoff_delay(50, s) == 4000);
    s.retry_min = std::chrono::seconds(10);
    s.retry_max = std::chrono::seconds(5);  // nonsense: min wins
    CHECK(backoff_delay(3, s) == 10);
}

TEST_CASE("the last attempt falls at the end of the lifetime", "[queue]") {
    QueueSettings s;
    s.lifetime = std::chrono::seconds(1000);
    const std::int64_t arrival = 1'000'000;
    CHECK(next_attempt_after(arrival + 100, arrival, 1, s) == arrival + 400);
    CHECK(next_attempt_after(arrival + 800, arrival, 2, s) == arrival + 1000);
    CHECK_FALSE(expired(arrival + 999, arrival, s));
    CHECK(expired(arrival + 1000, arrival, s));
}

TEST_CASE("status codes from SMTPsec errors and SMTP replies", "[queue]") {
    CHECK(smtpsec_status("mx.b.test[::1]:4650 answered unknown_address") == "5.1.1");
    CHECK(smtpsec_status("answered too_large") == "5.3.4");
    CHECK(smtpsec_status("answered insufficient_security") == "5.7.10");
    CHECK(smtpsec_status("answered authentication_failed") == "5.7.1");
    CHECK(smtpsec_status("something else") == "5.0.0");
    CHECK(smtp_status(550, "550 5.1.1 <x@b.test>: Recipient address rejected") == "5.1.1");
    CHECK(smtp_status(554, "5.7.1 Relay access denied") == "5.7.1");
    CHECK(smtp_status(550, "550 User unknown") == "5.0.0");
    CHECK(smtp_status(451, "451 4.3.0 Try later") == "4.3.0");
    // An enhanced code of the wrong class is not believed.
    CHECK(smtp_status(550, "550 4.1.1 odd") == "5.0.0");
}

// src/metrics: what a scrape and `smtpsec-ctl stats` show after known
// counts, that every label value is present from the start (bounded series),
// that counting from many threads loses nothing, and that the text follows
// the Prometheus exposition format (HELP and TYPE before the samples).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.h"

using namespace smtpsec;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text))
        if (l == line) return true;
    return false;
}

}  // namespace

TEST_CASE("a scrape shows each counted value under its family and label", "[metrics]") {
    metrics::reset_for_tests();
    metrics::count(metrics::TakenOver::smtpsec);
    metrics::count(metrics::TakenOver::smtpsec);
    metrics::count(metrics::LeftToSmtp::none_insecure);
    metrics::count(metrics::InboundRefused::unknown_address, 3);
    metrics::count(metrics::Bytes::out, 1234);
    metrics::gauge_set(metrics::Gauge::queue_entries, 7);
    const std::string text = metrics::prometheus_text();
    CHECK(has_line(
        text, "# HELP smtpsec_taken_over_total Recipients the milter took over for delivery over SMTPsec."));
    CHECK(has_line(text, "# TYPE smtpsec_taken_over_total counter"));
    CHECK(has_line(text, "smtpsec_taken_over_total{reason=\"smtpsec\"} 2"));
    CHECK(has_line(text, "smtpsec_taken_over_total{reason=\"defer\"} 0"));
    CHECK(has_line(text, "smtpsec_left_to_smtp_total{reason=\"none_insecure\"} 1"));
    CHECK(has_line(text, "smtpsec_inbound_refused_total{error=\"unknown_address\"} 3"));
    CHECK(has_line(text, "smtpsec_bytes_total{direction=\"out\"} 1234"));
    CHECK(has_line(text, "# TYPE smtpsec_queue_entries gauge"));
    CHECK(has_line(text, "smtpsec_queue_entries 7"));
    CHECK(has_line(text, "smtpsec_connections_open{side=\"inbound\"} 0"));
}

TEST_CASE("smtpsec-ctl stats: one family.label=value line per series", "[metrics]") {
    metrics::reset_for_tests();
    metrics::count(metrics::OriginAuth::dane_ee);
    metrics::count(metrics::Delivered::smtpsec, 2);
    metrics::gauge_set(metrics::Gauge::queue_oldest_age, 42);
    const std::string text = metrics::stats_text();
    CHECK(has_line(text, "origin_auth.dane_ee=1"));
    CHECK(has_line(text, "origin_auth.ca_ct=0"));
    CHECK(has_line(text, "delivered.smtpsec=2"));
    CHECK(has_line(text, "queue_oldest_age_seconds=42"));
    CHECK(has_line(text, "connections_open.outbound=0"));
}

TEST_CASE("the series are a fixed set: counting changes values, never the number of lines", "[metrics]") {
    metrics::reset_for_tests();
    const auto before = lines_of(metrics::prometheus_text()).size();
    for (int i = 0; i < 1000; ++i) metrics::count(static_cast<metrics::DnsVerdict>(i % 4));
    // An out-of-range value (a cast from a corrupt byte) is ignored, not written past the cells.
    metrics::count(static_cast<metrics::InboundRefused>(200));
    CHECK(lines_of(metrics::prometheus_text()).size() == before);
    CHECK(metrics::value(metrics::DnsVerdict::defer) == 250);
}

TEST_CASE("every sample line follows the exposition format, every family is typed before its samples",
          "[metrics]") {
    metrics::reset_for_tests();
    std::string typed;
    std::size_t samples = 0;
    for (const auto& line : lines_of(metrics::prometheus_text())) {
        REQUIRE_FALSE(line.empty());
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            typed = line.substr(7, line.find(' ', 7) - 7);
            const auto kind = line.substr(line.rfind(' ') + 1);
            CHECK((kind == "counter" || kind == "gauge"));
            continue;
        }
        ++samples;
        const auto name = line.substr(0, line.find_first_of("{ "));
        INFO(line);
        CHECK(name == typed);
        CHECK(name.rfind("smtpsec_", 0) == 0);
        CHECK(line.substr(line.rfind(' ') + 1) == "0");
    }
    CHECK(samples > 40);
}

TEST_CASE("counting from many threads at once loses no increment", "[metrics]") {
    metrics::reset_for_tests();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 100000; ++i) metrics::count(metrics::MilterAnswer::discard);
        });
    for (auto& t : threads) t.join();
    CHECK(metrics::value(metrics::MilterAnswer::discard) == 800000);
}

TEST_CASE("an open-connection gauge counts its holders", "[metrics]") {
    metrics::reset_for_tests();
    {
        metrics::OpenConnection a(metrics::Gauge::connections_outbound);
        metrics::OpenConnection b(metrics::Gauge::connections_outbound);
        CHECK(metrics::gauge(metrics::Gauge::connections_outbound) == 2);
    }
    CHECK(metrics::gauge(metrics::Gauge::connections_outbound) == 0);
}

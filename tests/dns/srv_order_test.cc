// RFC 2782 ordering: the exact selection rule with a scripted random source,
// and the weight distribution over many draws with a seeded one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dns/srv_order.h"
#include "dns_test_helpers.h"

using smtpsec::dns::order_srv_targets;
using smtpsec::dns::SrvTarget;
using smtpsec::dns::UniformRandom;

namespace {

SrvTarget target(std::string host, std::uint16_t priority, std::uint16_t weight) {
    return SrvTarget{std::move(host), 4650, priority, weight};
}

std::vector<std::string> hosts(const std::vector<SrvTarget>& targets) {
    std::vector<std::string> out;
    for (const auto& t : targets) out.push_back(t.host);
    return out;
}

// Returns the scripted values in turn and records each `max` it was asked for.
struct Script {
    std::deque<std::uint64_t> values;
    std::vector<std::uint64_t> maxima;
    UniformRandom source() {
        return [this](std::uint64_t max) {
            maxima.push_back(max);
            REQUIRE_FALSE(values.empty());
            const auto v = values.front();
            values.pop_front();
            REQUIRE(v <= max);
            return v;
        };
    }
};

UniformRandom seeded(std::uint64_t seed) {
    auto engine = std::make_shared<std::mt19937_64>(seed);
    return
        [engine](std::uint64_t max) { return std::uniform_int_distribution<std::uint64_t>(0, max)(*engine); };
}

double chi_square(const std::map<std::vector<std::string>, int>& observed,
                  const std::vector<SrvTarget>& arranged, int draws, int& categories) {
    std::vector<std::string> order = hosts(arranged);
    std::sort(order.begin(), order.end());
    double chi = 0;
    categories = 0;
    do {
        const double expected = draws * smtpsec::dns::testing::srv_order_probability(arranged, order);
        const auto found = observed.find(order);
        const double seen = found == observed.end() ? 0 : found->second;
        chi += (seen - expected) * (seen - expected) / expected;
        ++categories;
    } while (std::next_permutation(order.begin(), order.end()));
    return chi;
}

}  // namespace

TEST_CASE("priorities come out ascending whatever the input order", "[srv_order]") {
    Script script;
    script.values = {0, 0, 0};
    const auto out = order_srv_targets({target("c", 30, 0), target("a", 10, 0), target("b", 20, 0)},
                                       script.source());
    CHECK(hosts(out) == std::vector<std::string>{"a", "b", "c"});
    CHECK(script.maxima == std::vector<std::uint64_t>{0, 0, 0});
}

TEST_CASE("the first record whose running sum reaches r is chosen", "[srv_order]") {
    const std::vector<SrvTarget> in{target("a", 1, 10), target("b", 1, 30), target("c", 1, 60)};
    SECTION("r = 0 and r = 10 pick the first, whose running sum is 10") {
        for (std::uint64_t r : {0u, 10u}) {
            Script script;
            script.values = {r, 0, 0};
            const auto out = order_srv_targets(in, script.source());
            CHECK(hosts(out) == std::vector<std::string>{"a", "b", "c"});
            CHECK(script.maxima == std::vector<std::uint64_t>{100, 90, 60});
        }
    }
    SECTION("r = 11 and r = 40 pick the second") {
        for (std::uint64_t r : {11u, 40u}) {
            Script script;
            script.values = {r, 0, 0};
            const auto out = order_srv_targets(in, script.source());
            CHECK(hosts(out) == std::vector<std::string>{"b", "a", "c"});
            CHECK(script.maxima == std::vector<std::uint64_t>{100, 70, 60});
        }
    }
    SECTION("r = 41 and r = 100 pick the third; then the rule applies to the rest") {
        Script script;
        script.values = {100, 11, 0};
        const auto out = order_srv_targets(in, script.source());
        CHECK(hosts(out) == std::vector<std::string>{"c", "b", "a"});
        CHECK(script.maxima == std::vector<std::uint64_t>{100, 40, 10});
    }
}

TEST_CASE("weight-0 records go first in the list and win only on r = 0", "[srv_order]") {
    const std::vector<SrvTarget> in{target("heavy", 1, 5), target("zero", 1, 0)};
    Script first;
    first.values = {0, 0};
    CHECK(hosts(order_srv_targets(in, first.source())) == std::vector<std::string>{"zero", "heavy"});
    Script second;
    second.values = {1, 0};
    CHECK(hosts(order_srv_targets(in, second.source())) == std::vector<std::string>{"heavy", "zero"});
    CHECK(second.maxima == std::vector<std::uint64_t>{5, 0});
}

TEST_CASE("all weights zero: draws over [0, 0] keep the given order", "[srv_order]") {
    Script script;
    script.values = {0, 0, 0};
    const auto out = order_srv_targets({target("x", 7, 0), target("y", 7, 0), target("z", 7, 0)},
                                       script.source());
    CHECK(hosts(out) == std::vector<std::string>{"x", "y", "z"});
    CHECK(script.maxima == std::vector<std::uint64_t>{0, 0, 0});
}

TEST_CASE("ports and hosts travel with their record", "[srv_order]") {
    std::vector<SrvTarget> in{{"a", 1, 2, 0}, {"b", 2, 1, 0}};
    const auto out = order_srv_targets(in, seeded(1));
    REQUIRE(out.size() == 2);
    CHECK(out[0] == SrvTarget{"b", 2, 1, 0});
    CHECK(out[1] == SrvTarget{"a", 1, 2, 0});
}

TEST_CASE("weighted orders follow the RFC 2782 distribution over 10,000 draws", "[srv_order][statistics]") {
    // Chi-square bounds at p = 0.001 for 5 degrees of freedom (6 orders of 3
    // records): 20.52. The source is seeded, so the test cannot flake; the
    // bound still fails for a wrong rule (see the check on a biased rule below).
    constexpr int draws = 10'000;
    constexpr double bound_df5 = 20.52;
    const auto check_distribution = [&](std::vector<SrvTarget> in, std::uint64_t seed) {
        auto random = seeded(seed);
        std::map<std::vector<std::string>, int> observed;
        for (int i = 0; i < draws; ++i) ++observed[hosts(order_srv_targets(in, random))];
        int categories = 0;
        const double chi = chi_square(observed, in, draws, categories);
        CHECK(categories == 6);
        CHECK(chi < bound_df5);
        return observed;
    };
    SECTION("weights 10/30/60") {
        const auto observed = check_distribution({target("a", 0, 10), target("b", 0, 30), target("c", 0, 60)},
                                                 20240601);
        int c_first = 0;
        for (const auto& [order, count] : observed) c_first += order.front() == "c" ? count : 0;
        // 60/101 of the first picks, within 5 standard deviations (about 245).
        CHECK(std::abs(c_first - draws * 60.0 / 101) < 250);
    }
    SECTION("a weight-0 record among weighted ones is rarely first") {
        const auto observed = check_distribution(
            {target("w1", 0, 50), target("z", 0, 0), target("w2", 0, 50)}, 7);
        int z_first = 0;
        for (const auto& [order, count] : observed) z_first += order.front() == "z" ? count : 0;
        CHECK(z_first < draws * 3 / 101);  // expectation 1/101 of draws (about 99)
    }
    SECTION("the chi-square check rejects a rule that ignores weights") {
        // Uniform shuffles must fail against the weighted expectation,
        // showing the bound is tight enough to matter.
        std::vector<SrvTarget> in{target("a", 0, 10), target("b", 0, 30), target("c", 0, 60)};
        std::mt19937_64 engine(99);
        std::map<std::vector<std::string>, int> observed;
        for (int i = 0; i < draws; ++i) {
            auto shuffled = in;
            std::shuffle(shuffled.begin(), shuffled.end(), engine);
            ++observed[hosts(shuffled)];
        }
        int categories = 0;
        CHECK(chi_square(observed, in, draws, categories) > bound_df5);
    }
}

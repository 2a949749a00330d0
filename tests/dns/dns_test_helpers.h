// Builders for RDATA and classified answers used by the DNS unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/answer.h"

namespace smtpsec::dns::testing {

inline std::vector<std::uint8_t> wire_name(std::string_view name) {
    std::vector<std::uint8_t> out;
    if (name != ".") {
        std::size_t start = 0;
        while (start <= name.size()) {
            std::size_t dot = name.find('.', start);
            if (dot == std::string_view::npos) dot = name.size();
            out.push_back(static_cast<std::uint8_t>(dot - start));
            out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                       name.begin() + static_cast<std::ptrdiff_t>(dot));
            start = dot + 1;
        }
    }
    out.push_back(0);
    return out;
}

inline std::vector<std::uint8_t> srv_rdata(std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                                           std::string_view target) {
    std::vector<std::uint8_t> out{
        static_cast<std::uint8_t>(priority >> 8), static_cast<std::uint8_t>(priority),
        static_cast<std::uint8_t>(weight >> 8),   static_cast<std::uint8_t>(weight),
        static_cast<std::uint8_t>(port >> 8),     static_cast<std::uint8_t>(port)};
    const auto name = wire_name(target);
    out.insert(out.end(), name.begin(), name.end());
    return out;
}

inline Answer answer_of(Security security, int rcode, std::vector<std::vector<std::uint8_t>> records = {},
                        std::string reason = {}) {
    Answer answer;
    answer.security = security;
    answer.rcode = rcode;
    answer.records = std::move(records);
    answer.reason = std::move(reason);
    return answer;
}

}  // namespace smtpsec::dns::testing

#include <algorithm>

#include "dns/records.h"

namespace smtpsec::dns::testing {

// Probability of one complete order of same-priority records under RFC 2782,
// computed from the rule's definition: records arranged weight-0 first, then
// as given; at each step r is uniform over [0, S] (S+1 values) and the first
// remaining record takes r = 0 on top of its weight.
inline double srv_order_probability(std::vector<SrvTarget> arranged, const std::vector<std::string>& order) {
    std::stable_sort(arranged.begin(), arranged.end(),
                     [](const SrvTarget& a, const SrvTarget& b) { return a.weight == 0 && b.weight != 0; });
    double p = 1.0;
    for (const auto& host : order) {
        double sum = 0;
        for (const auto& t : arranged) sum += t.weight;
        auto it = std::find_if(arranged.begin(), arranged.end(),
                               [&](const SrvTarget& t) { return t.host == host; });
        if (it == arranged.end()) return 0.0;
        const double share = it->weight + (it == arranged.begin() ? 1.0 : 0.0);
        p *= share / (sum + 1);
        arranged.erase(it);
    }
    return p;
}

}  // namespace smtpsec::dns::testing

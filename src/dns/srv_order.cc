// RFC 2782 ordering (see srv_order.h).
#include "dns/srv_order.h"

#include <algorithm>
#include <memory>
#include <random>

namespace smtpsec::dns {

UniformRandom default_random() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return
        [engine](std::uint64_t max) { return std::uniform_int_distribution<std::uint64_t>(0, max)(*engine); };
}

std::vector<SrvTarget> order_srv_targets(std::vector<SrvTarget> targets, const UniformRandom& random) {
    // Priority ascending; inside a priority, weight-0 records first, the
    // others keeping their order (the RFC allows "any order" besides that).
    std::stable_sort(targets.begin(), targets.end(), [](const SrvTarget& a, const SrvTarget& b) {
        if (a.priority != b.priority) return a.priority < b.priority;
        return a.weight == 0 && b.weight != 0;
    });
    std::vector<SrvTarget> ordered;
    ordered.reserve(targets.size());
    auto group = targets.begin();
    while (group != targets.end()) {
        auto group_end = std::find_if(group, targets.end(),
                                      [&](const SrvTarget& t) { return t.priority != group->priority; });
        std::vector<SrvTarget> remaining(std::make_move_iterator(group), std::make_move_iterator(group_end));
        while (!remaining.empty()) {
            std::uint64_t sum = 0;
            for (const auto& t : remaining) sum += t.weight;
            const std::uint64_t r = std::min(random(sum), sum);
            std::uint64_t running = 0;
            auto chosen = remaining.begin();
            for (auto it = remaining.begin(); it != remaining.end(); ++it) {
                running += it->weight;
                if (running >= r) {
                    chosen = it;
                    break;
                }
            }
            ordered.push_back(std::move(*chosen));
            remaining.erase(chosen);
        }
        group = group_end;
    }
    return ordered;
}

}  // namespace smtpsec::dns

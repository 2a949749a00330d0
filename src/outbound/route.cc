// See route.h.
#include "outbound/route.h"

#include <utility>

namespace smtpsec::outbound {

void Route::start(std::vector<dns::SrvTarget> targets) {
    targets_ = std::move(targets);
    target_index_ = 0;
    addresses_.clear();
    address_index_ = 0;
    attempts_ = 0;
}

const dns::SrvTarget* Route::next_target() {
    addresses_.clear();
    address_index_ = 0;
    if (attempts_used_up() || target_index_ >= targets_.size()) return nullptr;
    return &targets_[target_index_++];
}

std::size_t Route::set_addresses(const dns::AddressResult& found) {
    addresses_.clear();
    address_index_ = 0;
    // IPv6 first (RFC 6724's default preference); a broken IPv6 path costs
    // one connect timeout, then IPv4 is tried (docs/outbound.md).
    for (const auto* set : {&found.ipv6, &found.ipv4}) {
        if (set->security == dns::Security::bogus || set->security == dns::Security::error) continue;
        for (const auto& ip : set->addresses)
            if (auto ep = net::Endpoint::parse(ip.to_string(), target().port)) addresses_.push_back(*ep);
    }
    return addresses_.size();
}

std::optional<net::Endpoint> Route::next_address() {
    if (attempts_used_up() || address_index_ >= addresses_.size()) return std::nullopt;
    ++attempts_;
    return addresses_[address_index_++];
}

}  // namespace smtpsec::outbound

// Connections per source, like Postfix's anvil (issue 13 item 7, D7): the
// global max_connections alone let 1,000 idle connections from one address
// lock out every other sender. A source is one IPv4 address, or one IPv6 /64
// (what one customer of a provider usually holds; an IPv4-mapped IPv6 address
// counts as the IPv4 address). Pure: the listener asks before it creates a
// connection and tells when one ends.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "net/socket.h"

namespace smtpsec::inbound {

class SourceLimit {
public:
    explicit SourceLimit(std::size_t per_source) : per_source_(per_source) {}

    // The source a peer counts against: "1.2.3.4" or "2001:db8:1:2::/64".
    static std::string source_of(const net::Endpoint& peer);

    // Takes a place for `source`; false (nothing taken) when it holds
    // per_source connections already.
    bool admit(const std::string& source);
    void release(const std::string& source);

    std::size_t held(const std::string& source) const;
    std::size_t per_source() const { return per_source_; }

private:
    std::size_t per_source_;
    std::unordered_map<std::string, std::size_t> counts_;
};

}  // namespace smtpsec::inbound

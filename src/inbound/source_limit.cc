// See source_limit.h.
#include "inbound/source_limit.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace smtpsec::inbound {

std::string SourceLimit::source_of(const net::Endpoint& peer) {
    char text[INET6_ADDRSTRLEN] = {};
    if (peer.addr.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&peer.addr);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        return text;
    }
    if (peer.addr.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer.addr);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            in_addr v4;
            std::memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
            inet_ntop(AF_INET, &v4, text, sizeof text);
            return text;
        }
        in6_addr prefix = in6->sin6_addr;
        std::memset(prefix.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &prefix, text, sizeof text);
        return std::string(text) + "/64";
    }
    return "unknown";  // a Unix socket in tests: all one source
}

bool SourceLimit::admit(const std::string& source) {
    auto& n = counts_[source];
    if (n >= per_source_) {
        if (n == 0) counts_.erase(source);
        return false;
    }
    ++n;
    return true;
}

void SourceLimit::release(const std::string& source) {
    auto it = counts_.find(source);
    if (it == counts_.end()) return;
    if (--it->second == 0) counts_.erase(it);
}

std::size_t SourceLimit::held(const std::string& source) const {
    auto it = counts_.find(source);
    return it == counts_.end() ? 0 : it->second;
}

}  // namespace smtpsec::inbound

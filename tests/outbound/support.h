// What the outbound unit tests share: a test signing key, DNS answers
// written briefly, and running the loop until a condition holds.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/test_certificates.h"
#include "dns/records.h"
#include "dns/verdict.h"
#include "event/loop.h"
#include "event/timer.h"
#include "smtpsec/signature.h"

namespace smtpsec::outbound::test {

inline const SigningKey& test_key() {
    static const SigningKey key = [] {
        auto k = SigningKey::from_pem(testing::make_test_key_pem(SignatureAlgorithm::ed25519));
        if (!k) throw std::runtime_error(k.error());
        return std::move(*k);
    }();
    return key;
}

inline dns::Discovery srv_targets(std::vector<dns::SrvTarget> targets) {
    dns::Discovery d;
    d.verdict = dns::Verdict::smtpsec;
    d.security = dns::Security::secure;
    d.targets = std::move(targets);
    d.reason = "SRV target(s) (DNSSEC secure)";
    return d;
}

inline dns::IpAddress ip(const std::string& text) {
    dns::IpAddress a;
    if (::inet_pton(AF_INET, text.c_str(), a.octets.data()) == 1) {
        a.family = dns::AddressFamily::ipv4;
    } else if (::inet_pton(AF_INET6, text.c_str(), a.octets.data()) == 1) {
        a.family = dns::AddressFamily::ipv6;
    } else {
        throw std::invalid_argument(text);
    }
    return a;
}

// DNSSEC-secure AAAA and A answers for `host`.
inline dns::AddressResult addresses(const std::string& host, std::vector<std::string> v6,
                                    std::vector<std::string> v4) {
    dns::AddressResult r;
    r.host = host;
    r.ipv6.security = r.ipv4.security = dns::Security::secure;
    for (const auto& a : v6) r.ipv6.addresses.push_back(ip(a));
    for (const auto& a : v4) r.ipv4.addresses.push_back(ip(a));
    return r;
}

// Runs `loop` until `done()` or `seconds` pass; whether done() held.
inline bool run_until(event::Loop& loop, const std::function<bool()>& done, double seconds = 5) {
    bool expired = false;
    event::Timer guard(loop, [&] { expired = true; });
    guard.start(event::Timer::Seconds(seconds));
    while (!done() && !expired) loop.run_once();
    return done();
}

}  // namespace smtpsec::outbound::test

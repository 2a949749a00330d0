// `smtpsec-dns --check`: what DNS holds against what should be published,
// looked up the way a sending gateway does it (DNSSEC-validated).
#pragma once

#include <string>
#include <vector>

#include "dns/resolver.h"
#include "tools/dns/publish.h"

namespace smtpsec::dnstool {

struct Finding {
    bool ok = false;
    std::string what;    // "_smtpsec._tcp.a.test SRV", "_4650._tcp.mx.a.test TLSA"
    std::string detail;  // what was found, and what is wrong
};

// Runs the lookups on `loop` and returns when all have answered.
std::vector<Finding> compare(event::Loop& loop, dns::Resolver& resolver, const Publication& p);

}  // namespace smtpsec::dnstool

// What smtpsec-check found about one domain: the discovery and, for each
// SRV target a sender would use, its addresses and TLSA records.
//
// Why a separate step: the lookups run asynchronously on the resolver; the
// printers (text for people, JSON for scripts) then work on plain data.
#pragma once

#include <string>
#include <vector>

#include "dns/resolver.h"

namespace smtpsec::check {

struct TargetReport {
    dns::SrvTarget target;
    dns::AddressResult addresses;
    dns::TlsaResult tlsa;
    // Why a sender would skip this target before connecting (no usable
    // address, TLSA lookup failed); empty if it would try it.
    std::string skip_reason;
};

struct Report {
    std::string domain;
    dns::Discovery discovery;
    std::vector<TargetReport> targets;  // smtpsec only, in the order tried
};

// Runs discover() and, for an smtpsec verdict, the address and TLSA lookups
// of every target, all on `loop`; returns when everything has answered.
Report gather(event::Loop& loop, dns::Resolver& resolver, const std::string& domain);

// Exit status per verdict (documented in smtpsec-check(1)).
int exit_status(dns::Verdict verdict);

std::string to_text(const Report& report);
std::string to_json(const Report& report);

}  // namespace smtpsec::check

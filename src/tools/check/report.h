// What smtpsec-check found about one domain: the discovery and, for each
// SRV target a sender would use, its addresses and TLSA records, and the
// TLS probe of each address (probe.h) unless --no-tls.
//
// Why a separate step: the lookups run asynchronously on the resolver; the
// printers (text for people, JSON for scripts) then work on plain data.
#pragma once

#include <string>
#include <vector>

#include "dns/resolver.h"
#include "tools/check/probe.h"

namespace smtpsec::check {

struct TargetReport {
    dns::SrvTarget target;
    dns::AddressResult addresses;
    dns::TlsaResult tlsa;
    // Why a sender would skip this target before connecting (no usable
    // address, TLSA lookup failed); empty if it would try it.
    std::string skip_reason;
    std::vector<ProbeResult> probes;  // one per usable address, IPv6 first
};

struct Report {
    std::string domain;
    dns::Discovery discovery;
    std::vector<TargetReport> targets;  // smtpsec only, in the order tried
    bool probed = false;                // the TLS probe ran (smtpsec verdict, no --no-tls)
    std::string probe_note;             // a limit of the probe's policy worth saying (no CT log list)
};

// Runs discover() and, for an smtpsec verdict, the address and TLSA lookups
// of every target, all on `loop`; returns when everything has answered.
Report gather(event::Loop& loop, dns::Resolver& resolver, const std::string& domain);

// Probes every address of every target a sender would try (probe.h).
void probe_targets(Report& report, const ProbeSettings& settings);

// Whether some probed address passed every check.
bool any_probe_passed(const Report& report);

// Exit status (documented in smtpsec-check(1)): the verdict's, except
// kExitNoTargetPassed when the probe ran and no address passed.
inline constexpr int kExitNoTargetPassed = 5;
int exit_status(dns::Verdict verdict);
int exit_status(const Report& report);

// What to try when DNS gave no usable answer at all (SERVFAIL, timeout):
// offline, the verdict alone ("timeout") told an operator nothing. Empty
// when the answer was usable (secure, insecure, or bogus: a real finding).
std::string dns_hint(const Report& report);

std::string to_text(const Report& report);
std::string to_json(const Report& report);

}  // namespace smtpsec::check

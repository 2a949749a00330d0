// What a sender concludes from DNS: the discovery verdict (docs/decisions.md
// point 20), the TLSA outcome of a target (point 21) and a target's addresses.
//
// Why: these pure decisions over classified answers are the downgrade-
// resistance core. Only none_secure and none_insecure may ever lead to plain
// SMTP; everything that is not provably one of them is defer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/answer.h"
#include "dns/records.h"
#include "dns/srv_order.h"

namespace smtpsec::dns {

enum class Verdict : std::uint8_t {
    smtpsec,        // DNSSEC-secure SRV targets: deliver over SMTPsec
    none_secure,    // secure NXDOMAIN/NODATA, or the single SRV target "."
    none_insecure,  // the zone is provably unsigned
    defer,          // bogus, SERVFAIL, timeout, malformed, any other failure
};

std::string_view name_of(Verdict verdict);  // "smtpsec", "none_secure", ...

// True only for the two verdicts that allow falling back to plain SMTP.
constexpr bool allows_smtp(Verdict verdict) {
    return verdict == Verdict::none_secure || verdict == Verdict::none_insecure;
}

struct Discovery {
    Verdict verdict = Verdict::defer;
    // smtpsec: the targets to try, in RFC 2782 order ("." targets left out).
    std::vector<SrvTarget> targets;
    // Every SRV record as received (any order), when they could be parsed;
    // also filled for an insecure answer, for display only.
    std::vector<SrvTarget> records;
    Security security = Security::error;  // of the SRV answer
    std::string query;                    // the name asked: _smtpsec._tcp.<domain>
    std::string reason;                   // why this verdict, for people and logs
};

// Decides from the classified answer for `query` (SRV).
Discovery decide_discovery(std::string query, const Answer& srv_answer, const UniformRandom& random);

enum class TlsaVerdict : std::uint8_t {
    secure,       // secure TLSA records: the certificate must match them
    none_secure,  // securely no TLSA record
    insecure,     // provably unsigned: no DANE, ordinary PKIX rules
    defer,        // bogus, failure or malformed: do not use this target now
};

std::string_view name_of(TlsaVerdict verdict);  // "secure", "none_secure", ...

struct TlsaResult {
    TlsaVerdict verdict = TlsaVerdict::defer;
    std::vector<TlsaRecord> records;  // secure only
    std::string query;                // _<port>._tcp.<host>
    std::string reason;
};

TlsaResult decide_tlsa(std::string query, const Answer& tlsa_answer);

// One address family of a host. Addresses are listed for secure and insecure
// answers (the TLS certificate, not the address, authenticates the server).
struct AddressSet {
    Security security = Security::error;
    std::vector<IpAddress> addresses;
    std::string reason;  // bogus/error: why; otherwise empty
};

AddressSet decide_addresses(const Answer& answer, AddressFamily family);

struct AddressResult {
    std::string host;
    AddressSet ipv4;
    AddressSet ipv6;
};

}  // namespace smtpsec::dns

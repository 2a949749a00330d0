// One DNS answer as libunbound validated it, reduced to what SMTPsec decides on.
//
// Why: downgrade resistance depends on telling "provably no data" and
// "provably unsigned" apart from every kind of failure. classify() is the
// single place where a libunbound result becomes one of four security
// states (the order matters; see classify.cc); everything above works on
// Answer only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct ub_result;

namespace smtpsec::dns {

enum class Security : std::uint8_t {
    secure,    // DNSSEC validated: the records, or their proven absence
    insecure,  // provably unsigned (an insecure delegation on the way)
    bogus,     // validation failed: possibly an attack, never trusted
    error,     // no usable answer: SERVFAIL, timeout, refused, local failure
};

std::string_view name_of(Security security);  // "secure", "insecure", "bogus", "error"

namespace rcode {
inline constexpr int noerror = 0;
inline constexpr int servfail = 2;
inline constexpr int nxdomain = 3;
}  // namespace rcode

struct Answer {
    Security security = Security::error;
    int rcode = rcode::servfail;
    // Record data (RDATA, uncompressed wire format) when the name has records
    // of the asked type; empty for NXDOMAIN, NODATA and failures.
    std::vector<std::vector<std::uint8_t>> records;
    std::uint32_t ttl = 0;
    // bogus: libunbound's why_bogus text; error: what failed ("SERVFAIL",
    // "timeout", ...); empty otherwise.
    std::string reason;

    bool nxdomain() const { return rcode == rcode::nxdomain; }
    // The name exists but has no record of the asked type.
    bool nodata() const { return rcode == rcode::noerror && records.empty(); }
};

// The order matters: bogus first (bogus answers come with rcode 0 and data),
// then secure, then rcode NOERROR/NXDOMAIN without validation = insecure,
// anything else = error.
Answer classify(const ub_result& result);

// A failed lookup that produced no ub_result (libunbound error, timeout...).
Answer failure(std::string reason);

// "NOERROR", "SERVFAIL", "NXDOMAIN", ... or "rcode N".
std::string rcode_name(int rcode);

}  // namespace smtpsec::dns

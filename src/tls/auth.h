// Certificate authentication of an SMTPsec peer: docs/decisions.md point 21 (the
// outbound client authenticating the server of an SRV target D) and point 22
// (the listener authenticating the signing chain of a message from domain F).
//
// Why it exists: both directions apply the same rule, and it is security
// critical, so it is one pure function of already-collected inputs (the DER
// chain, the DNSSEC-secure TLSA records, the policy loaded at start-up): no
// DNS, no sockets, no hidden clock, and every refusal says exactly why.
//
// The rule, in order:
//  1. Name: the leaf is valid for D (dNSName, GnuTLS's RFC 6125 check) or
//     carries the SRVName "_smtpsec.<service_domain>" (RFC 4985).
//  2. TLSA (usable records only; RFC 7671 4.1): DANE-EE (3) matching the leaf
//     accepts it outright: no CA, no CT, and, per RFC 7671 5.1, no validity
//     dates. DANE-TA (2): the matching issuer certificate of the chain becomes
//     the only trust anchor and the chain must verify to it, dates included
//     (RFC 7672 3.1.2: the TA certificate must be in the chain; a record that
//     matches only the leaf is not a trust anchor). PKIX-TA/EE (0/1): the chain
//     must verify to the CA store and the record must match a certificate on
//     that path (0) or the leaf (1). Records exist but none holds: refused.
//  3. Without DANE-EE: the chain verifies to the CA store (or to the DANE-TA
//     anchor, which stands in for the public CA), validity dates and the
//     serverAuth purpose included, AND the leaf carries valid SCTs from
//     trusted CT logs (point 21 excuses only DANE-EE from CT).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/bytes.h"
#include "tls/names.h"
#include "tls/sct_check.h"
#include "tls/time_text.h"
#include "tls/tlsa.h"

namespace smtpsec::tls {

using Clock = std::function<TimePoint()>;

struct AuthPolicyConfig {
    std::optional<std::string> ca_pem;  // trusted CAs (PEM); nullopt: the system trust store
    std::string ct_log_list_json;       // log_list.json text; empty: no CT logs (only DANE-EE passes)
    CtRequirements ct;
    Clock clock;  // empty: the system clock
};

// Loaded once at start-up and shared by every connection; copies share the
// same immutable state. Construction throws std::runtime_error with the
// reason (a start-up configuration failure).
class AuthPolicy {
public:
    explicit AuthPolicy(const AuthPolicyConfig& config);
    // Reads the files; an empty ca_file means the system trust store, an
    // empty ct_log_list_file means no CT log list.
    static AuthPolicy from_files(const std::string& ca_file, const std::string& ct_log_list_file,
                                 CtRequirements ct = {}, Clock clock = {});

    // False: only DANE-EE-authenticated peers can be accepted. The caller
    // says so loudly at start-up.
    bool has_ct_logs() const;
    std::size_t ct_log_count() const;
    std::size_t trusted_ca_count() const;
    const CtRequirements& ct_requirements() const;
    TimePoint now() const;

    struct State;  // defined in policy.cc; authenticate() reads it

private:
    std::shared_ptr<const State> state_;
    friend const State& state_of(const AuthPolicy& policy);
};

struct AuthTarget {
    std::string host;              // D: the SRV target the certificate is for
    std::uint16_t port = 0;        // P: the SRV port (for messages; the TLSA name is _P._tcp.D)
    std::vector<TlsaRecord> tlsa;  // DNSSEC-secure TLSA RRset of _P._tcp.D; empty: none
};

struct AuthResult {
    bool ok = false;
    bool dane_ee = false;     // a DANE-EE record matched the leaf
    bool dane_ta = false;     // a DANE-TA record matched and the chain verifies to it
    bool pkix = false;        // the chain verifies to the policy's CA store
    bool ct_ok = false;       // enough valid SCTs (not evaluated when dane_ee)
    unsigned valid_scts = 0;  // distinct trusted logs with a counting SCT
    NameKind name_kind = NameKind::dns_name;
    std::string matched_name;  // D, or "_smtpsec.<domain>" when the SRVName matched
    std::string tlsa_matched;  // e.g. "2 0 1" of the record that was satisfied
    std::string reason;        // why it was refused; when ok, what was accepted
};

// chain: DER certificates, leaf first (as received in TLS or a ClientHello).
// service_domain: the recipient domain (point 21) or the From domain F
// (point 22); the SRVName accepted is "_smtpsec." + service_domain.
AuthResult authenticate(const AuthPolicy& policy, std::span<const Bytes> chain, const AuthTarget& target,
                        std::string_view service_domain);

}  // namespace smtpsec::tls

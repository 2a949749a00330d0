// What a domain publishes for SMTPsec, computed from the gateway's
// certificate chain: the SRV record per domain and the TLSA records of the
// gateway (DANE-EE 3 1 1 for the leaf, DANE-TA 2 1 1 for its issuer).
//
// Why a tool: getting a TLSA digest right by hand (openssl x509 | openssl
// pkey | sha256sum) is where operators slip; the daemon's own TLSA code
// computes them, so what is published is what the gateway will check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtpsec/expected.h"
#include "smtpsec/message.h"
#include "tls/tlsa.h"

namespace smtpsec::dnstool {

struct Publication {
    std::string host;  // the gateway's name D, no final dot
    std::uint16_t port = 4650;
    std::vector<std::string> domains;
    tls::TlsaRecord dane_ee;                 // 3 1 1 of the leaf
    std::optional<tls::TlsaRecord> dane_ta;  // 2 1 1 of the leaf's issuer, when the chain has it
};

// `host` empty: the leaf's first DNS name. Errors name what is wrong.
Expected<Publication, std::string> compute(const CertificateChain& chain, const std::string& host,
                                           std::uint16_t port, const std::vector<std::string>& domains);

std::string tlsa_owner(const Publication& p);  // "_4650._tcp.mx.example.org."
std::string hex_of(const std::vector<std::uint8_t>& data);
std::string tlsa_text(const tls::TlsaRecord& r);  // "3 1 1 <hex>"

// Zone-file lines (absolute owner names, TTL 3600).
std::string zone_text(const Publication& p);

}  // namespace smtpsec::dnstool

// The TLS probe of smtpsec-check: connects to one address of one SRV target
// the way the outbound client does (TLS with ALPN smtpsec/0, then
// tls::authenticate on the server's chain with the target's TLSA records,
// docs/decisions.md point 21) and reads the first SMTPsec Message, which must
// be the ServerHello (point 17).
//
// Why a separate, blocking piece: the tool probes one address at a time and
// must report every step's outcome with its reason, not only success; a
// small poll() loop over tls::Connection does that without the event loop
// machinery a gateway needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/socket.h"
#include "tls/auth.h"
#include "tls/connection.h"

namespace smtpsec::check {

struct ProbeSettings {
    std::shared_ptr<const tls::Credentials> credentials;  // tls::Credentials::client()
    std::shared_ptr<const tls::AuthPolicy> policy;
    std::chrono::milliseconds timeout{10000};  // for the whole probe of one address
};

struct ProbeResult {
    std::string address;  // "127.0.0.1:4650"
    // Why the probe stopped before the handshake completed (connect or TLS
    // failure, timeout); empty when the handshake completed.
    std::string failure;
    std::string tls_version;      // "TLS1.3"
    std::string tls_description;  // version, key exchange, signature, cipher
    std::optional<std::string> alpn;
    std::optional<tls::AuthResult> auth;  // set when the handshake completed
    bool server_hello = false;            // a ServerHello Message was received
    std::string server_hello_detail;      // "version 0", or what came instead and why

    // A sender could deliver here: TLS, authentication and the ServerHello all passed.
    bool passed() const { return failure.empty() && auth && auth->ok && server_hello; }
};

// One line of the report: a check, its outcome ("pass", "fail", "none",
// "not needed", "not reached") and why. tls::authenticate stops at the first
// failing check, so later ones are "not reached".
struct ProbeCheck {
    std::string name;  // "TLS", "name", "DANE", "CA", "CT", "ServerHello"
    std::string status;
    std::string detail;
};
std::vector<ProbeCheck> checks_of(const ProbeResult& result, bool has_tlsa);

// Probes `address` for SRV target `host`:`port` of `domain` (the SRVName
// accepted is "_smtpsec." + domain). `tlsa`: the DNSSEC-secure TLSA records
// of _port._tcp.host (empty when there are none).
ProbeResult probe(const ProbeSettings& settings, const net::Endpoint& address, const std::string& host,
                  std::uint16_t port, const std::vector<tls::TlsaRecord>& tlsa, const std::string& domain);

}  // namespace smtpsec::check

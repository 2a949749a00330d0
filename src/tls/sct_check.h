// Certificate Transparency for one leaf: its embedded SCTs (extension
// 1.3.6.1.4.1.11129.2.4.2) checked with a real signature verification over
// the reconstructed precertificate, then against the trusted logs' states.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tls/ct_log_store.h"
#include "tls/time_text.h"

namespace smtpsec::tls {

// How many valid SCTs a certificate needs. The defaults follow the browser
// CT policies: SCTs from at least two distinct logs run by at least two
// distinct operators (operator = the log list's operator name).
struct CtRequirements {
    unsigned min_logs = 2;
    unsigned min_operators = 2;
};

struct CtVerdict {
    bool ok = false;
    unsigned valid_logs = 0;       // distinct logs with a counting SCT
    unsigned valid_operators = 0;  // distinct operators among them
    std::string detail;            // the failure sentence, or what counted
};

// `issuer_der` is the certificate that signed the leaf (its key hash is part
// of the signed precertificate entry); empty when unknown. `now` rejects
// future-dated SCTs.
CtVerdict check_embedded_scts(const CtLogStore& logs, std::span<const std::uint8_t> leaf_der,
                              std::span<const std::uint8_t> issuer_der, TimePoint now,
                              const CtRequirements& required);

}  // namespace smtpsec::tls

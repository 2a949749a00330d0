// Certificate path validation against a GnuTLS trust list, with the clock
// injected: GnuTLS reads the wall clock itself, so its time checks are turned
// off and the validity periods of the certificates on the path it accepted
// (leaf, intermediates, anchor) are checked here against `now`. Used for the
// public CA store and, with a single anchor, for DANE-TA.
#pragma once

#include <gnutls/x509.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "smtpsec/expected.h"
#include "tls/time_text.h"
#include "tls/x509_util.h"

namespace smtpsec::tls {

struct VerifiedPath {
    std::vector<std::size_t> positions;  // chain positions on the path, leaf (0) first
    X509Crt anchor;                      // the trust-list certificate the path ends in (may be empty)

    // The certificate that signed the leaf: the next certificate on the path, else the anchor.
    gnutls_x509_crt_t leaf_issuer(std::span<const gnutls_x509_crt_t> chain) const {
        return positions.size() > 1 ? chain[positions[1]] : anchor.get();
    }
};

// Verifies `chain` (leaf first) to `anchors` for TLS server use (serverAuth
// purpose when the leaf lists extended key usages), then the validity dates
// of every certificate on the path at `now`. The error is a sentence.
Expected<VerifiedPath, std::string> verify_path(gnutls_x509_trust_list_t anchors,
                                                std::span<const gnutls_x509_crt_t> chain, TimePoint now);

}  // namespace smtpsec::tls

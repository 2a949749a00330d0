// The trusted CT logs in the two forms the check needs: OpenSSL's CTLOG_STORE
// (which verifies SCT signatures) and our CtLog entries (state, interval,
// operator), looked up by log id.
#pragma once

#include <span>
#include <vector>

#include "tls/ct_log_list.h"
#include "tls/openssl_handles.h"

namespace smtpsec::tls {

class CtLogStore {
public:
    // Throws std::runtime_error if OpenSSL refuses a log's key.
    explicit CtLogStore(std::vector<CtLog> logs);

    bool empty() const { return logs_.empty(); }
    std::size_t size() const { return logs_.size(); }
    const CTLOG_STORE* openssl() const { return store_.get(); }
    const CtLog* find(std::span<const std::uint8_t> log_id) const;

private:
    std::vector<CtLog> logs_;
    ossl::CtlogStore store_;
};

}  // namespace smtpsec::tls

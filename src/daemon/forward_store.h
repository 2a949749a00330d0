// The forward store (issue 16, docs/forwarding.md): for every Email the
// listener re-injects, a durable record of what a forwarded copy needs to
// keep the origin's signature, and the marker that names it.
//
// Layout under the queue directory:
//   forward.key         32 random bytes, mode 0600, made at first start
//   forward/TOKEN.fwd   one record: "SMTPSEC-FWD 1" LF, the From domain LF,
//                       then a ClientHello with the origin's chain and the
//                       Email Message (require_security in its extensions;
//                       trace headers: our Received first), both in the
//                       protocol's own encoding, read back with its bounds
// The marker: "v1 TOKEN MAC", TOKEN 128 random bits in hex, MAC the hex
// HMAC-SHA256 under forward.key of "smtpsec-forward v1", TOKEN and the
// SHA-256 of the signed bytes. Without the key nobody makes a marker we
// believe; a copied marker names only its own message's bytes.
//
// Written tmp + fsync + rename + directory fsync before the re-injection,
// so a restart of either daemon keeps it. Bounded by age (records older
// than max_age are removed by clean()) and total bytes (past max_bytes no
// record is made). Thread-safe: the listener records on the loop, the
// milter's threads look up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "inbound/forward_recorder.h"
#include "milter/forwarded.h"

namespace smtpsec::daemon {

struct ForwardLimits {
    std::chrono::seconds max_age{std::chrono::hours(24 * 5)};
    std::uint64_t max_bytes = std::uint64_t{1} << 30;
    std::uint64_t max_record = std::uint64_t{80} << 20;  // one record read back at most
};

class ForwardStore final : public inbound::ForwardRecorder, public milter::ForwardLookup {
public:
    // Creates forward/ and forward.key when missing; throws
    // std::runtime_error naming the file when either is unusable.
    ForwardStore(const std::string& queue_directory, ForwardLimits limits);

    Expected<std::string, std::string> record(const Message& message, const CertificateChain& chain,
                                              std::string_view from_domain,
                                              std::string_view own_received) override;
    Expected<milter::ForwardedOriginal, std::string> find(std::string_view marker) const override;

    // Removes records older than max_age; returns how many.
    std::size_t clean();
    std::uint64_t bytes() const { return bytes_; }
    const std::string& directory() const { return directory_; }

private:
    std::string mac_of(std::string_view token, std::string_view message) const;

    std::string directory_;
    ForwardLimits limits_;
    std::string key_;
    std::atomic<std::uint64_t> bytes_{0};
    mutable std::mutex mutex_;
};

}  // namespace smtpsec::daemon

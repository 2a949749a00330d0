// How the milter learns a recipient domain's discovery verdict.
//
// Why an interface: libmilter runs its callbacks on its own threads, while the
// resolver lives on the libev loop of the main thread. The milter only ever
// talks to the resolver through this thread-safe seam; the daemon implements
// it by posting to the loop, the tests with a fixed map.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsec::milter {

// Mirrors dns::Verdict (src/dns/verdict.h); the milter does not link the resolver.
enum class DomainVerdict { smtpsec, none_secure, none_insecure, defer };

std::string_view name_of(DomainVerdict verdict);

struct VerdictResult {
    DomainVerdict verdict = DomainVerdict::defer;
    std::string reason;
};

// A verdict that arrives later: started at RCPT, awaited at end-of-message.
class PendingVerdict {
public:
    // Completes the verdict; later calls are ignored (the first answer wins).
    void set(DomainVerdict verdict, std::string reason);
    // The verdict, or nullopt if it has not arrived by `deadline`.
    std::optional<VerdictResult> wait_until(std::chrono::steady_clock::time_point deadline);

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::optional<VerdictResult> result_;
};

// A completed PendingVerdict, for implementations that answer from a cache.
std::shared_ptr<PendingVerdict> ready_verdict(DomainVerdict verdict, std::string reason);

class VerdictSource {
public:
    virtual ~VerdictSource() = default;
    // Starts discovery for `domain` (lowercase, no final dot); caching and
    // coalescing are the implementation's business. Must not throw; nullptr
    // means the lookup could not even be started (on_dns_error applies).
    virtual std::shared_ptr<PendingVerdict> lookup(const std::string& domain) = 0;
};

}  // namespace smtpsec::milter

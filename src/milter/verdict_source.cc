// See verdict_source.h.
#include "milter/verdict_source.h"

namespace smtpsec::milter {

std::string_view name_of(DomainVerdict verdict) {
    switch (verdict) {
    case DomainVerdict::smtpsec: return "smtpsec";
    case DomainVerdict::none_secure: return "none_secure";
    case DomainVerdict::none_insecure: return "none_insecure";
    case DomainVerdict::defer: return "defer";
    }
    return "defer";
}

void PendingVerdict::set(DomainVerdict verdict, std::string reason) {
    {
        std::lock_guard lock(mutex_);
        if (result_) return;
        result_ = VerdictResult{verdict, std::move(reason)};
    }
    ready_.notify_all();
}

std::optional<VerdictResult> PendingVerdict::wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    ready_.wait_until(lock, deadline, [&] { return result_.has_value(); });
    return result_;
}

std::shared_ptr<PendingVerdict> ready_verdict(DomainVerdict verdict, std::string reason) {
    auto pending = std::make_shared<PendingVerdict>();
    pending->set(verdict, std::move(reason));
    return pending;
}

}  // namespace smtpsec::milter

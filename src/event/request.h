// A handle on an asynchronous request whose destruction cancels it: the
// caller keeps the Request as a member, and once the caller is gone its
// callback can never run.
//
// Why: answers from the resolver, a transport or the local MTA come back
// later, to objects that may have ended meanwhile. Each such object used to
// carry a shared_ptr<bool> "alive" token and every callback checked it. Here
// the waiter owns the lifetime instead: the service keeps one Cancellable
// per request, the caller holds the Request linked to it, and
//  - destroying (or cancel()ing, or assigning over) the Request tells the
//    service to drop the callback (Cancellable::on_cancel), never to call it;
//  - when the service completes or drops the request it unlinks it first,
//    so the Request becomes empty (pending() false) and the callback may
//    destroy the caller, Request and all;
//  - destroying the service's Cancellable empties the Request, so a Request
//    may outlive the service (then it is simply not pending).
// The link is two plain pointers kept in step (moves included): no
// allocation and nothing shared. One thread, the loop's.
// In the spirit of MPD's CancellablePointer; PendingCall is the common case.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace smtpsec::event {

class Cancellable;

class Request {
public:
    Request() = default;
    ~Request() { cancel(); }
    Request(Request&& other) noexcept;
    Request& operator=(Request&& other) noexcept;
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    // The callback will never run. Nothing if the request is already over.
    void cancel() noexcept;
    // Whether the service may still call back.
    bool pending() const { return target_ != nullptr; }

private:
    friend class Cancellable;
    Cancellable* target_ = nullptr;
};

// The service's side of one request. A service derives from it (or uses
// PendingCall) and keeps it until the request is over.
class Cancellable {
public:
    Cancellable() = default;
    Cancellable(const Cancellable&) = delete;
    Cancellable& operator=(const Cancellable&) = delete;

    // A Request linked to this one (a new link replaces an older one, which
    // is left empty).
    Request link() noexcept;
    // The request is over (answered, or the service gives up): the Request
    // becomes empty and cancelling it later does nothing.
    void unlink() noexcept;
    // Whether a caller still holds a Request for this.
    bool linked() const { return handle_ != nullptr; }

protected:
    virtual ~Cancellable() { unlink(); }
    // The caller cancelled (the Request was destroyed or cancelled; the link
    // is already gone): the service must never call back for this request.
    // It may destroy this object here.
    virtual void on_cancel() noexcept = 0;

private:
    friend class Request;
    Request* handle_ = nullptr;
};

// A stored callback as a Cancellable: cancelled, it is dropped; run() calls
// it once.
template <class... Args>
class PendingCall final : public Cancellable {
public:
    using Callback = std::function<void(Args...)>;

    explicit PendingCall(Callback callback) : callback_(std::move(callback)) {}
    ~PendingCall() override = default;

    // Whether run() would call anything (not cancelled, not yet run).
    bool wanted() const { return static_cast<bool>(callback_); }
    // Unlinks, then calls the callback if it is still wanted. This object is
    // not touched after the call starts, so the callback may destroy it
    // (and its Request's owner).
    void run(Args... args) {
        unlink();
        auto callback = std::exchange(callback_, nullptr);
        if (callback) callback(std::forward<Args>(args)...);
    }

private:
    void on_cancel() noexcept override { callback_ = nullptr; }

    Callback callback_;
};

// For a service that takes a plain std::function and returns nothing (the
// queue's ports, LocalDelivery, the resolver's older calls): wraps `callback`
// so the returned Request cancels it (name the arguments: cancellable<int>(...)). The function handed to the service
// owns the PendingCall; if it is called after the Request was destroyed or
// cancelled, it does nothing.
template <class... Args>
std::pair<std::function<void(Args...)>, Request> cancellable(
    std::type_identity_t<std::function<void(Args...)>> callback) {
    auto call = std::make_shared<PendingCall<Args...>>(std::move(callback));
    Request request = call->link();
    return {[call](Args... args) { call->run(std::forward<Args>(args)...); }, std::move(request)};
}

// The requests one object has under way, all cancelled when it is destroyed
// or cancel_all() is called: a member next to the state their callbacks
// touch. Finished ones are dropped as new ones come in.
class RequestSet {
public:
    void add(Request request) {
        if (requests_.size() >= purge_at_) {
            std::erase_if(requests_, [](const Request& r) { return !r.pending(); });
            purge_at_ = std::max<std::size_t>(16, 2 * requests_.size());
        }
        if (request.pending()) requests_.push_back(std::move(request));
    }
    void cancel_all() { requests_.clear(); }
    std::size_t pending() const {
        std::size_t n = 0;
        for (const auto& r : requests_) n += r.pending() ? 1 : 0;
        return n;
    }

private:
    std::vector<Request> requests_;
    std::size_t purge_at_ = 16;
};

}  // namespace smtpsec::event

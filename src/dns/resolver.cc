// The libunbound <-> libev plumbing behind Resolver (see resolver.h).
//
// Lifetime rules that make timeouts and destruction safe:
//  - each libunbound query carries a Pending as its mydata; a Pending lives
//    until its callback ran, or until ub_cancel() succeeded (after which
//    libunbound never calls back), or, if ub_cancel() fails, until the late
//    callback arrives or the context is deleted;
//  - user callbacks never run inside ub_process(): answers are queued and
//    delivered afterwards, one per call of deliver_next(), whose last act is
//    the callback (which may destroy the Resolver); the DeferEvent `post`
//    brings the next one on the following loop iteration;
//  - all queries share one timeout, so their deadlines come in start order
//    and one timer serves them all.
#include "dns/resolver.h"

#include <unbound.h>

#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dns/names.h"
#include "dns/unbound_context.h"
#include "event/defer_event.h"
#include "event/io_watcher.h"
#include "event/timer.h"

namespace smtpsec::dns {

struct Resolver::Impl {
    struct Pending {
        Impl* owner = nullptr;
        std::string key;
        std::uint64_t serial = 0;
        int async_id = 0;
        bool expired = false;
        std::vector<AnswerCallback> waiters;
    };
    struct Ready {
        AnswerCallback callback;
        std::shared_ptr<const Answer> answer;
    };
    struct Deadline {
        double when = 0;
        std::uint64_t serial = 0;
        std::string key;
    };

    Impl(event::Loop& loop, const ResolverConfig& config);
    ~Impl();

    void lookup(std::string_view name, std::uint16_t type, AnswerCallback callback);
    void fail_later(AnswerCallback callback, std::string reason);
    static void on_result(void* mydata, int err, ub_result* result) noexcept;
    void complete(Pending* query, int err, ub_result* result);
    void expire_due();
    void arm_deadline_timer();
    void on_readable();
    void deliver_next();
    void deliver_all(Pending& query, const std::shared_ptr<const Answer>& answer);

    event::Loop& loop;
    std::chrono::duration<double> timeout;
    UniformRandom random = default_random();
    std::unordered_map<std::string, std::unique_ptr<Pending>> pending;
    // Timed out, but ub_cancel() failed: kept until libunbound lets go.
    std::unordered_map<std::uint64_t, std::unique_ptr<Pending>> orphans;
    std::deque<Deadline> deadlines;
    std::deque<Ready> ready;
    std::uint64_t next_serial = 1;
    std::uint64_t started = 0;
    event::Timer deadline_timer;
    event::DeferEvent post;  // delivers the answers that are ready, one per loop iteration
    UbContext ctx;
    event::IoWatcher io;
};

Resolver::Impl::Impl(event::Loop& loop_, const ResolverConfig& config)
    : loop(loop_),
      timeout(config.query_timeout),
      deadline_timer(loop_, [this] { expire_due(); }),
      post(loop_, [this] { deliver_next(); }),
      ctx(make_unbound_context(config)),
      io(loop_, [this](int) { on_readable(); }) {
    io.start(ub_fd(ctx.get()), EV_READ);
}

Resolver::Impl::~Impl() {
    io.stop();  // before ub_ctx_delete closes the fd
    deadline_timer.stop();
    post.cancel();
    ctx.reset();  // stops libunbound's thread; no callback comes after this
}

void Resolver::Impl::fail_later(AnswerCallback callback, std::string reason) {
    ready.push_back({std::move(callback), std::make_shared<const Answer>(failure(std::move(reason)))});
    post.schedule();
}

void Resolver::Impl::lookup(std::string_view name, std::uint16_t type, AnswerCallback callback) {
    const auto normalized = normalize_name(name);
    if (!normalized) {
        fail_later(std::move(callback), "invalid domain name");
        return;
    }
    std::string key = *normalized + '/' + std::to_string(type);
    if (auto it = pending.find(key); it != pending.end()) {
        it->second->waiters.push_back(std::move(callback));
        return;
    }
    auto query = std::make_unique<Pending>();
    query->owner = this;
    query->key = key;
    query->serial = next_serial++;
    query->waiters.push_back(std::move(callback));
    const std::string qname = *normalized + '.';
    const int status = ub_resolve_async(ctx.get(), qname.c_str(), type, 1 /* IN */, query.get(),
                                        &Impl::on_result, &query->async_id);
    if (status != 0) {
        fail_later(std::move(query->waiters.front()), std::string("libunbound: ") + ub_strerror(status));
        return;
    }
    ++started;
    loop.update_now();
    deadlines.push_back({loop.now() + timeout.count(), query->serial, key});
    pending.emplace(std::move(key), std::move(query));
    if (!deadline_timer.active()) arm_deadline_timer();
}

void Resolver::Impl::on_result(void* mydata, int err, ub_result* result) noexcept {
    auto* query = static_cast<Pending*>(mydata);
    Impl* self = query->owner;
    try {
        self->complete(query, err, result);
    } catch (...) {
        self->loop.capture(std::current_exception());
    }
    ub_resolve_free(result);
}

void Resolver::Impl::complete(Pending* query, int err, ub_result* result) {
    if (query->expired) {  // a late answer after a failed ub_cancel()
        orphans.erase(query->serial);
        return;
    }
    auto it = pending.find(query->key);
    if (it == pending.end() || it->second.get() != query) return;
    Answer answer = err != 0            ? failure(std::string("libunbound: ") + ub_strerror(err))
                    : result == nullptr ? failure("libunbound returned no result")
                                        : classify(*result);
    auto owned = std::move(it->second);
    pending.erase(it);
    deliver_all(*owned, std::make_shared<const Answer>(std::move(answer)));
}

void Resolver::Impl::deliver_all(Pending& query, const std::shared_ptr<const Answer>& answer) {
    for (auto& waiter : query.waiters) ready.push_back({std::move(waiter), answer});
    query.waiters.clear();
}

void Resolver::Impl::expire_due() {
    const double now = loop.now();
    auto answer = std::make_shared<const Answer>(failure("timeout"));
    while (!deadlines.empty() && deadlines.front().when <= now) {
        Deadline due = std::move(deadlines.front());
        deadlines.pop_front();
        auto it = pending.find(due.key);
        if (it == pending.end() || it->second->serial != due.serial) continue;  // answered
        auto query = std::move(it->second);
        pending.erase(it);
        query->expired = true;
        deliver_all(*query, answer);
        if (ub_cancel(ctx.get(), query->async_id) != 0) {
            orphans.emplace(query->serial, std::move(query));
        }
    }
    arm_deadline_timer();
    deliver_next();  // last: a callback may destroy the Resolver
}

void Resolver::Impl::arm_deadline_timer() {
    if (deadlines.empty()) {
        deadline_timer.stop();
        return;
    }
    const double wait = std::max(0.0, deadlines.front().when - loop.now());
    deadline_timer.start(event::Timer::Seconds(wait));
}

void Resolver::Impl::on_readable() {
    const int status = ub_process(ctx.get());
    if (status != 0) {
        // The result pipe is gone (libunbound's thread died): nothing more
        // will come back. Everything waiting fails now instead of timing out.
        io.stop();
        auto answer = std::make_shared<const Answer>(
            failure(std::string("libunbound: ") + ub_strerror(status)));
        for (auto& [key, query] : pending) deliver_all(*query, answer);
        pending.clear();
        deadlines.clear();
        deadline_timer.stop();
    }
    deliver_next();  // last: a callback may destroy the Resolver
}

// One answer per call: the callback is the last thing done here, since it
// may destroy the Resolver (and with it `post`, which then never runs). The
// rest is scheduled before it, so it is also delivered if the callback throws.
void Resolver::Impl::deliver_next() {
    if (ready.empty()) return;
    Ready item = std::move(ready.front());
    ready.pop_front();
    if (!ready.empty()) post.schedule();
    if (item.callback) item.callback(*item.answer);
}

Resolver::Resolver(event::Loop& loop, const ResolverConfig& config)
    : impl_(std::make_unique<Impl>(loop, config)) {}

Resolver::~Resolver() = default;

void Resolver::lookup(std::string_view name, std::uint16_t type, AnswerCallback callback) {
    impl_->lookup(name, type, std::move(callback));
}

void Resolver::discover(std::string_view domain, DiscoveryCallback callback) {
    const auto normalized = normalize_name(domain);
    std::string query = srv_query_name(normalized ? *normalized : std::string(domain));
    if (!normalized) {
        impl_->fail_later(
            [query, callback = std::move(callback)](const Answer& answer) {
                callback(decide_discovery(query, answer, UniformRandom()));
            },
            "invalid domain name");
        return;
    }
    Impl* impl = impl_.get();
    impl_->lookup(query, rrtype::srv, [impl, query, callback = std::move(callback)](const Answer& answer) {
        callback(decide_discovery(query, answer, impl->random));
    });
}

void Resolver::tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback) {
    const auto normalized = normalize_name(host);
    std::string query = tlsa_query_name(port, normalized ? *normalized : std::string(host));
    auto decide = [query, callback = std::move(callback)](const Answer& answer) {
        callback(decide_tlsa(query, answer));
    };
    if (!normalized) {
        impl_->fail_later(std::move(decide), "invalid domain name");
        return;
    }
    impl_->lookup(query, rrtype::tlsa, std::move(decide));
}

void Resolver::addresses(std::string_view host, AddressCallback callback) {
    struct Join {
        AddressResult result;
        AddressCallback callback;
        int remaining = 2;
        void done() {
            if (--remaining == 0) callback(result);
        }
    };
    auto join = std::make_shared<Join>();
    join->callback = std::move(callback);
    const auto normalized = normalize_name(host);
    join->result.host = normalized ? *normalized : std::string(host);
    auto on_a = [join](const Answer& answer) {
        join->result.ipv4 = decide_addresses(answer, AddressFamily::ipv4);
        join->done();
    };
    auto on_aaaa = [join](const Answer& answer) {
        join->result.ipv6 = decide_addresses(answer, AddressFamily::ipv6);
        join->done();
    };
    if (!normalized) {
        impl_->fail_later(std::move(on_a), "invalid domain name");
        impl_->fail_later(std::move(on_aaaa), "invalid domain name");
        return;
    }
    impl_->lookup(*normalized, rrtype::a, std::move(on_a));
    impl_->lookup(*normalized, rrtype::aaaa, std::move(on_aaaa));
}

// The shapes with a Request: the callback goes through a PendingCall that the
// Request cancels (event/request.h); the lookup itself runs on, shared with
// others, and its answer then finds nothing to call.
void Resolver::discover(std::string_view domain, DiscoveryCallback callback, event::Request& request) {
    auto [call, handle] = event::cancellable<const Discovery&>(std::move(callback));
    request = std::move(handle);
    discover(domain, std::move(call));
}

void Resolver::tlsa(std::uint16_t port, std::string_view host, TlsaCallback callback,
                    event::Request& request) {
    auto [call, handle] = event::cancellable<const TlsaResult&>(std::move(callback));
    request = std::move(handle);
    tlsa(port, host, std::move(call));
}

void Resolver::addresses(std::string_view host, AddressCallback callback, event::Request& request) {
    auto [call, handle] = event::cancellable<const AddressResult&>(std::move(callback));
    request = std::move(handle);
    addresses(host, std::move(call));
}

void Resolver::lookup(std::string_view name, std::uint16_t type, AnswerCallback callback,
                      event::Request& request) {
    auto [call, handle] = event::cancellable<const Answer&>(std::move(callback));
    request = std::move(handle);
    lookup(name, type, std::move(call));
}

void Resolver::set_random(UniformRandom random) { impl_->random = std::move(random); }

std::size_t Resolver::queries_in_flight() const { return impl_->pending.size(); }

std::uint64_t Resolver::queries_started() const { return impl_->started; }

}  // namespace smtpsec::dns

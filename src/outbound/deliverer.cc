// See deliverer.h; the fallback rules are in docs/outbound.md.
#include "outbound/deliverer.h"

#include <fmt/core.h>

#include <utility>

#include "event/fault_guard.h"
#include "imf/idna.h"
#include "log/log.h"
#include "outbound/outcome.h"
#include "outbound/resolver_discoverer.h"
#include "outbound/route.h"
#include "outbound/sign_email.h"

namespace smtpsec::outbound {
namespace {

std::vector<tls::TlsaRecord> to_tls(const std::vector<dns::TlsaRecord>& records) {
    std::vector<tls::TlsaRecord> out;
    out.reserve(records.size());
    for (const auto& r : records) out.push_back({r.usage, r.selector, r.matching_type, r.data});
    return out;
}

}  // namespace

// One recipient domain: the Emails waiting for it, the walk over its
// (target, address) pairs, and the one channel carrying its Emails. It is
// the Owner of that channel and holds the Request of its one pending
// lookup, so every callback reaches it directly and none can arrive after
// it is gone.
class Deliverer::Domain final : private Channel::Owner {
public:
    enum class State {
        idle,                  // no lookup, no channel
        discovering,           // SRV lookup (point 20)
        looking_up_tlsa,       // TLSA of the current target (point 21)
        looking_up_addresses,  // AAAA and A of the current target
        connecting,            // a channel to the current address, session not started
        established,           // the channel's session runs: Emails go straight to it
    };

    Domain(Deliverer& deliverer, std::string name) : deliverer_(deliverer), name_(std::move(name)) {}

    // A new Job for this domain: onto the channel if it takes more, else
    // waiting (and a walk starts if none runs).
    void add(std::uint64_t id) {
        if (channel_ && !channel_->closing() && !channel_->full()) {
            send(id);
            return;
        }
        waiting_.push_back(id);
        if (state_ == State::idle) discover();
    }

    // Nothing to do any more: the Deliverer may destroy it.
    bool finished() const { return state_ == State::idle && waiting_.empty(); }
    bool has_channel() const { return channel_ != nullptr; }

private:
    Job& job(std::uint64_t id) { return deliverer_.jobs_.at(id); }

    void send(std::uint64_t id) {
        channel_->send(id, job(id).message);
        if (channel_->full()) channel_->close_when_idle();
    }

    void discover() {
        state_ = State::discovering;
        lookup_ = deliverer_.discoverer_.discover(
            name_, [this](const dns::Discovery& found) { contain([&] { on_discovery(found); }); });
    }

    void on_discovery(const dns::Discovery& found) {
        switch (found.verdict) {
        case dns::Verdict::smtpsec:
            route_.start(found.targets);
            next_target();
            return;
        case dns::Verdict::none_secure:
        case dns::Verdict::none_insecure:
            finish_waiting(RecipientStatus::use_smtp,
                           fmt::format("{}: {}", dns::name_of(found.verdict), found.reason));
            return;
        case dns::Verdict::defer: finish_waiting(RecipientStatus::temporary, "DNS: " + found.reason); return;
        }
    }

    void next_target() {
        const dns::SrvTarget* target = route_.next_target();
        if (!target) {
            finish_waiting(RecipientStatus::temporary,
                           fmt::format("no SMTPsec server of {} could be used", name_));
            return;
        }
        state_ = State::looking_up_tlsa;
        lookup_ = deliverer_.discoverer_.tlsa(
            target->port, target->host,
            [this](const dns::TlsaResult& found) { contain([&] { on_tlsa(found); }); });
    }

    void on_tlsa(const dns::TlsaResult& found) {
        const auto& target = route_.target();
        if (found.verdict == dns::TlsaVerdict::defer) {
            note_all(fmt::format("{}:{}: TLSA lookup deferred: {}", target.host, target.port, found.reason));
            next_target();
            return;
        }
        tlsa_ = found.verdict == dns::TlsaVerdict::secure ? to_tls(found.records)
                                                          : std::vector<tls::TlsaRecord>{};
        state_ = State::looking_up_addresses;
        lookup_ = deliverer_.discoverer_.addresses(
            target.host, [this](const dns::AddressResult& found) { contain([&] { on_addresses(found); }); });
    }

    void on_addresses(const dns::AddressResult& found) {
        if (route_.set_addresses(found) == 0) {
            note_all(fmt::format("{}: no usable address ({} / {})", route_.target().host,
                                 found.ipv6.reason.empty() ? "no AAAA" : found.ipv6.reason,
                                 found.ipv4.reason.empty() ? "no A" : found.ipv4.reason));
            next_target();
            return;
        }
        next_address();
    }

    // The next address of the current target, or the next target.
    void next_address() {
        auto address = route_.next_address();
        if (!address) {
            next_target();
            return;
        }
        const auto& target = route_.target();
        state_ = State::connecting;
        channel_ = deliverer_.transport_.open(*this,
                                              Target{name_, target.host, target.port, tlsa_, *address});
        channel_->start();
        // Up to a connection's share; the rest wait for the next connection,
        // opened when this one closes (on_closed).
        auto waiting = std::exchange(waiting_, {});
        for (auto id : waiting) {
            if (channel_->full() || channel_->closing())
                waiting_.push_back(id);
            else
                send(id);
        }
    }

    void note_all(const std::string& note) {
        for (auto id : waiting_) job(id).attempts.push_back(note);
    }

    // Every waiting Email gets `status`; the walk is over.
    void finish_waiting(RecipientStatus status, const std::string& detail) {
        state_ = State::idle;
        auto waiting = std::exchange(waiting_, {});
        deliverer_.sweeper_.schedule();  // this Domain may be finished now
        // A callback may deliver() again, to this very domain: it finds it idle.
        for (auto id : waiting) deliverer_.finish(id, all_recipients(job(id).email, status, detail), "");
    }

    // A fault while handling a lookup's answer defers this domain's waiting
    // Emails (the queue retries them) and goes no further: the Discoverer
    // serves every domain (event/fault_guard.h says why not the loop).
    template <class F>
    void contain(F&& body) noexcept {
        auto fault = event::fault_of(body);
        if (!fault) return;
        try {
            log::error("outbound: {}: internal fault: {}", name_, *fault);
            if (!channel_) finish_waiting(RecipientStatus::temporary, "internal fault: " + *fault);
        } catch (...) {
        }
    }

    void on_established(Channel&) override { state_ = State::established; }

    void on_answer(Channel& c, session::EmailAnswer answer) override {
        auto it = deliverer_.jobs_.find(answer.id);
        if (it == deliverer_.jobs_.end()) return;
        if (auto problem = answer_problem(it->second.email, answer)) {
            // Not an answer we can act on (outcome.h): deferred, never
            // delivered, and the connection ends as for any other protocol
            // failure.
            auto reason = fmt::format("{}: the server sent {}", c.server(), *problem);
            deliverer_.finish(answer.id, all_recipients(it->second.email, RecipientStatus::temporary, reason),
                              c.server());
            c.abort(reason);
            return;
        }
        auto outcomes = outcomes_for(it->second.email, answer, c.server());
        deliverer_.finish(answer.id, std::move(outcomes), c.server());
    }

    void on_closed(Channel& c, const Ending& ending, std::vector<std::uint64_t> abandoned) override {
        std::string server = c.server();
        deliverer_.retire(std::move(channel_));
        if (!ending.established) {
            // Nothing was delivered here: the same Emails go on along the
            // walk, first in line (docs/outbound.md).
            waiting_.insert(waiting_.begin(), abandoned.begin(), abandoned.end());
            note_all(fmt::format("{}: {}", server, ending.detail));
            switch (next_step_after(ending.outcome)) {
            case NextStep::next_address: next_address(); return;
            case NextStep::next_target: next_target(); return;
            case NextStep::stop:
                finish_waiting(RecipientStatus::temporary, fmt::format("{}: {}", server, ending.detail));
                return;
            }
            return;
        }
        // The session ran: what it did not answer may have been delivered,
        // so it is reported temporary, for the queue to retry; Emails that
        // were waiting start a new walk.
        state_ = State::idle;
        deliverer_.sweeper_.schedule();
        for (auto id : abandoned) {
            auto jt = deliverer_.jobs_.find(id);
            if (jt == deliverer_.jobs_.end()) continue;
            deliverer_.finish(id,
                              all_recipients(jt->second.email, RecipientStatus::temporary,
                                             fmt::format("{}: connection lost before the answer: {}", server,
                                                         ending.detail)),
                              server);
        }
        if (state_ == State::idle && !waiting_.empty()) discover();
    }

    Deliverer& deliverer_;
    const std::string name_;
    State state_ = State::idle;
    std::deque<std::uint64_t> waiting_;  // Jobs not on a channel
    Route route_;
    std::vector<tls::TlsaRecord> tlsa_;  // of the current target
    std::unique_ptr<Channel> channel_;
    event::Request lookup_;  // the one pending lookup, cancelled with the Domain
};

Deliverer::Deliverer(event::Loop& loop, dns::Resolver& resolver, const SigningKey& key,
                     ConnectionSettings settings)
    : settings_(std::move(settings)),
      own_discoverer_(std::make_unique<ResolverDiscoverer>(resolver)),
      own_transport_(std::make_unique<ConnectionTransport>(loop, settings_)),
      discoverer_(*own_discoverer_),
      transport_(*own_transport_),
      key_(key),
      sweeper_(loop, [this] { sweep(); }) {}

Deliverer::Deliverer(event::Loop& loop, Discoverer& discoverer, Transport& transport, const SigningKey& key)
    : discoverer_(discoverer), transport_(transport), key_(key), sweeper_(loop, [this] { sweep(); }) {}

Deliverer::~Deliverer() = default;

std::size_t Deliverer::connections() const {
    std::size_t n = 0;
    for (const auto& [name, d] : domains_) n += d->has_channel() ? 1 : 0;
    return n;
}

void Deliverer::deliver(OutboundEmail email, Callback callback) {
    auto id = email.id;
    // Discovery and the server's names are in A-labels: an SMTPUTF8
    // recipient domain written in U-labels is converted (imf/idna.h).
    auto a_label = imf::domain_to_a_label(email.domain);
    if (!a_label) {
        auto outcomes = all_recipients(
            email, RecipientStatus::permanent,
            fmt::format("recipient domain {}: {}", email.domain, a_label.error().reason));
        early_.push_back({DeliveryReport{id, std::move(outcomes), "", {}}, std::move(callback)});
        sweeper_.schedule();
        return;
    }
    auto signed_msg = sign_email(key_, email);
    if (!signed_msg) {
        early_.push_back(
            {DeliveryReport{
                 id, all_recipients(email, RecipientStatus::temporary, signed_msg.error()), "", {}},
             std::move(callback)});
        sweeper_.schedule();
        return;
    }
    jobs_.emplace(id, Job{std::move(email), std::move(*signed_msg), std::move(callback), {}});
    auto& domain = domains_[*a_label];
    if (!domain) domain = std::make_unique<Domain>(*this, *a_label);
    domain->add(id);
}

void Deliverer::finish(std::uint64_t id, std::vector<RecipientOutcome> outcomes, const std::string& server) {
    auto node = jobs_.extract(id);
    if (node.empty()) return;
    Job& job = node.mapped();
    DeliveryReport report{id, std::move(outcomes), server, std::move(job.attempts)};
    job.callback(std::move(report));
}

void Deliverer::retire(std::unique_ptr<Channel> channel) {
    retired_.push_back(std::move(channel));
    sweeper_.schedule();
}

void Deliverer::sweep() {
    retired_.clear();
    // A report's callback may deliver() again and so add to early_.
    auto early = std::exchange(early_, {});
    for (auto& e : early) {
        auto id = e.report.id;
        if (auto fault = event::fault_of([&] { e.callback(std::move(e.report)); }))
            log::error("outbound: reporting Email {}: internal fault: {}", id, *fault);
    }
    std::erase_if(domains_, [](const auto& entry) { return entry.second->finished(); });
}

}  // namespace smtpsec::outbound

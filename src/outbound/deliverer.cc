// See deliverer.h.
#include "outbound/deliverer.h"

#include <fmt/core.h>

#include <algorithm>

#include "imf/idna.h"
#include "event/fault_guard.h"
#include "log/log.h"
#include "outbound/outcome.h"
#include "outbound/sign_email.h"

namespace smtpsec::outbound {
namespace {

std::vector<tls::TlsaRecord> to_tls(const std::vector<dns::TlsaRecord>& records) {
    std::vector<tls::TlsaRecord> out;
    for (const auto& r : records) out.push_back({r.usage, r.selector, r.matching_type, r.data});
    return out;
}

}  // namespace

Deliverer::Deliverer(event::Loop& loop, dns::Resolver& resolver, const SigningKey& key,
                     ConnectionSettings settings)
    : loop_(loop),
      resolver_(resolver),
      key_(key),
      settings_(std::move(settings)),
      reaper_(loop, [this] { retired_.clear(); }),
      alive_(std::make_shared<bool>(true)) {}

Deliverer::~Deliverer() { *alive_ = false; }

std::size_t Deliverer::connections() const {
    std::size_t n = 0;
    for (const auto& [name, d] : domains_) n += d.connection ? 1 : 0;
    return n;
}

void Deliverer::answer_later(std::uint64_t id, std::vector<RecipientOutcome> outcomes, Callback callback) {
    auto report = std::make_shared<DeliveryReport>(DeliveryReport{id, std::move(outcomes), "", {}});
    auto timer = std::make_shared<std::unique_ptr<event::Timer>>();
    *timer = std::make_unique<event::Timer>(loop_, [timer, report, callback] {
        try {
            callback(*report);
        } catch (const std::exception& e) {
            log::error("outbound: reporting Email {}: internal fault: {}", report->id, e.what());
        }
        auto keep = std::move(*timer);  // destroyed after this callback returns
        (void)keep;
    });
    (*timer)->start(event::Timer::Seconds(0));
}

void Deliverer::deliver(OutboundEmail email, Callback callback) {
    auto id = email.id;
    // Discovery and the server's names are in A-labels: an SMTPUTF8
    // recipient domain written in U-labels is converted (imf/idna.h).
    auto a_label = imf::domain_to_a_label(email.domain);
    if (!a_label) {
        auto outcomes = all_recipients(email, RecipientStatus::permanent,
                                       fmt::format("recipient domain {}: {}", email.domain, a_label.error().reason));
        answer_later(id, std::move(outcomes), std::move(callback));
        return;
    }
    auto signed_msg = sign_email(key_, email);
    if (!signed_msg) {
        answer_later(id, all_recipients(email, RecipientStatus::temporary, signed_msg.error()), std::move(callback));
        return;
    }
    auto domain_name = *a_label;
    jobs_.emplace(id, Job{std::move(email), std::move(*signed_msg), std::move(callback), {}});
    Domain& d = domains_[domain_name];
    d.name = domain_name;
    if (d.connection && !d.resolving && !d.connection->closing() && !d.connection->full()) {
        d.connection->send(id, jobs_.at(id).message);
        // send() may have ended the connection (a fault) and with it `d`.
        auto again = domains_.find(domain_name);
        if (again != domains_.end() && again->second.connection && again->second.connection->full())
            again->second.connection->close_when_idle();
        return;
    }
    d.waiting.push_back(id);
    if (!d.resolving && !d.connection) start_domain(d);
}

void Deliverer::start_domain(Domain& d) {
    d.resolving = true;
    std::string name = d.name;
    auto alive = alive_;
    resolver_.discover(name, [this, alive, name](const dns::Discovery& found) {
        if (!*alive) return;
        contain(name, [&] {
            auto it = domains_.find(name);
            if (it == domains_.end()) return;
            Domain& dom = it->second;
            switch (found.verdict) {
            case dns::Verdict::smtpsec:
                dom.targets = found.targets;
                dom.next_target = 0;
                try_next_target(dom);
                return;
            case dns::Verdict::none_secure:
            case dns::Verdict::none_insecure:
                finish_waiting(dom, RecipientStatus::use_smtp,
                               fmt::format("{}: {}", dns::name_of(found.verdict), found.reason));
                return;
            case dns::Verdict::defer:
                finish_waiting(dom, RecipientStatus::temporary, "DNS: " + found.reason);
                return;
            }
        });
    });
}

// The resolver serves every domain: a fault while handling one domain's
// answer defers that domain's waiting Emails (the queue retries them) and
// goes no further than this call (event/fault_guard.h says why not the loop).
void Deliverer::contain(const std::string& name, const std::function<void()>& body) noexcept {
    auto fault = event::fault_of(body);
    if (!fault) return;
    try {
        log::error("outbound: {}: internal fault: {}", name, *fault);
        auto it = domains_.find(name);
        if (it != domains_.end() && !it->second.connection)
            finish_waiting(it->second, RecipientStatus::temporary, "internal fault: " + *fault);
    } catch (...) {
    }
}

void Deliverer::try_next_target(Domain& d) {
    if (d.next_target >= d.targets.size()) {
        finish_waiting(d, RecipientStatus::temporary,
                       fmt::format("no SMTPsec server of {} could be used", d.name));
        return;
    }
    d.target = d.targets[d.next_target++];
    std::string name = d.name;
    auto alive = alive_;
    resolver_.tlsa(d.target.port, d.target.host, [this, alive, name](const dns::TlsaResult& tlsa) {
        if (!*alive) return;
        contain(name, [&] {
            auto it = domains_.find(name);
            if (it == domains_.end()) return;
            Domain& dom = it->second;
            if (tlsa.verdict == dns::TlsaVerdict::defer) {
                note_all(dom, fmt::format("{}:{}: TLSA lookup deferred: {}", dom.target.host, dom.target.port,
                                          tlsa.reason));
                try_next_target(dom);
                return;
            }
            dom.tlsa = tlsa.verdict == dns::TlsaVerdict::secure ? to_tls(tlsa.records)
                                                                : std::vector<tls::TlsaRecord>{};
            resolver_.addresses(dom.target.host, [this, alive, name](const dns::AddressResult& addrs) {
                if (!*alive) return;
                contain(name, [&] {
                    auto it2 = domains_.find(name);
                    if (it2 == domains_.end()) return;
                    Domain& dm = it2->second;
                    dm.addresses.clear();
                    dm.next_address = 0;
                    for (const auto* set : {&addrs.ipv6, &addrs.ipv4}) {
                        if (set->security == dns::Security::bogus || set->security == dns::Security::error)
                            continue;
                        for (const auto& ip : set->addresses)
                            if (auto ep = net::Endpoint::parse(ip.to_string(), dm.target.port)) dm.addresses.push_back(*ep);
                    }
                    if (dm.addresses.empty()) {
                        note_all(dm, fmt::format("{}: no usable address ({} / {})", dm.target.host,
                                                 addrs.ipv6.reason.empty() ? "no AAAA" : addrs.ipv6.reason,
                                                 addrs.ipv4.reason.empty() ? "no A" : addrs.ipv4.reason));
                        try_next_target(dm);
                        return;
                    }
                    try_next_address(dm);
                });
            });
        });
    });
}

void Deliverer::try_next_address(Domain& d) {
    if (d.next_address >= d.addresses.size()) {
        try_next_target(d);
        return;
    }
    Target t{d.name, d.target.host, d.target.port, d.tlsa, d.addresses[d.next_address++]};
    d.connection = std::make_unique<Connection>(loop_, static_cast<Connection::Owner&>(*this), settings_, std::move(t));
    d.resolving = false;
    auto waiting = std::move(d.waiting);
    d.waiting.clear();
    d.connection->start();
    // Up to a connection's share; the rest wait for the next connection,
    // opened when this one closes (on_closed).
    for (auto id : waiting) {
        if (d.connection->full()) d.waiting.push_back(id);
        else d.connection->send(id, jobs_.at(id).message);
    }
    if (d.connection->full()) d.connection->close_when_idle();
}

void Deliverer::note_all(Domain& d, const std::string& note) {
    for (auto id : d.waiting) jobs_.at(id).attempts.push_back(note);
}

void Deliverer::finish_waiting(Domain& d, RecipientStatus status, const std::string& detail) {
    auto waiting = std::move(d.waiting);
    d.waiting.clear();
    d.resolving = false;
    std::string name = d.name;
    if (!d.connection) domains_.erase(name);  // d is gone from here on
    for (auto id : waiting) {
        auto& job = jobs_.at(id);
        finish(id, all_recipients(job.email, status, detail), "");
    }
}

void Deliverer::finish(std::uint64_t id, std::vector<RecipientOutcome> outcomes, const std::string& server) {
    auto node = jobs_.extract(id);
    if (node.empty()) return;
    Job& job = node.mapped();
    DeliveryReport report{id, std::move(outcomes), server, std::move(job.attempts)};
    job.callback(std::move(report));
}

Deliverer::Domain* Deliverer::domain_of(Connection& c) {
    for (auto& [name, d] : domains_)
        if (d.connection.get() == &c) return &d;
    return nullptr;
}

void Deliverer::retire(Domain& d) {
    retired_.push_back(std::move(d.connection));
    reaper_.start(event::Timer::Seconds(0));
}

void Deliverer::on_established(Connection&) {}

void Deliverer::on_answer(Connection& c, session::EmailAnswer answer) {
    auto it = jobs_.find(answer.id);
    if (it == jobs_.end()) return;
    if (auto problem = answer_problem(it->second.email, answer)) {
        // Not an answer we can act on (outcome.h): deferred, never delivered,
        // and the connection ends as for any other protocol failure.
        auto reason = fmt::format("{}: the server sent {}", c.server(), *problem);
        finish(answer.id, all_recipients(it->second.email, RecipientStatus::temporary, reason), c.server());
        c.abort(reason);
        return;
    }
    auto outcomes = outcomes_for(it->second.email, answer, c.server());
    finish(answer.id, std::move(outcomes), c.server());
}

void Deliverer::on_closed(Connection& c, bool established, const std::string& reason,
                          std::vector<std::uint64_t> abandoned) {
    Domain* d = domain_of(c);
    if (!d) return;
    std::string server = c.server();
    retire(*d);
    if (!established) {
        // Nothing was delivered here: the same Emails go to the next address
        // (a connect failure) or the next target (TLS or authentication).
        for (auto it = abandoned.rbegin(); it != abandoned.rend(); ++it) d->waiting.push_front(*it);
        note_all(*d, fmt::format("{}: {}", server, reason));
        d->resolving = true;
        bool connect_failure = reason.rfind("connect", 0) == 0;
        if (connect_failure)
            try_next_address(*d);
        else
            try_next_target(*d);
        return;
    }
    std::string name = d->name;
    bool more = !d->waiting.empty();
    if (!more) domains_.erase(name);
    for (auto id : abandoned) {
        auto jt = jobs_.find(id);
        if (jt == jobs_.end()) continue;
        finish(id, all_recipients(jt->second.email, RecipientStatus::temporary,
                                  fmt::format("{}: connection lost before the answer: {}", server, reason)),
               server);
    }
    auto again = domains_.find(name);
    if (more && again != domains_.end() && !again->second.connection && !again->second.resolving)
        start_domain(again->second);
}

}  // namespace smtpsec::outbound

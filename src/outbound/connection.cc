// See connection.h.
#include "outbound/connection.h"

#include <ev.h>
#include <fmt/core.h>

#include <cstring>
#include <utility>

#include "log/log.h"

namespace smtpsec::outbound {
namespace {
// Answers from a server are small; anything larger is a broken peer.
constexpr std::uint64_t kMaxServerMessage = 1 << 20;
}  // namespace

Connection::Connection(event::Loop& loop, Owner& owner, const ConnectionSettings& settings, Target target)
    : loop_(loop),
      guard_([this](const std::string& what) {
          log::error("SMTPsec connection to {}: internal fault: {}", server(), what);
          // An Email whose answer the Owner was handling when the fault
          // came may not have been reported: it is abandoned with the rest
          // (an Owner that did report it ignores an id it no longer has).
          fail(ConnectionOutcome::internal_fault, "internal fault: " + what,
               std::exchange(answering_, std::nullopt));
      }),
      owner_(owner),
      settings_(settings),
      target_(std::move(target)),
      session_({settings.our_chain}),
      framer_(kMaxServerMessage),
      connect_watch_(loop, guarded([this](int) { on_connectable(); })),
      deadline_(loop, guarded([this] { on_deadline(); })),
      report_(loop, [this] { report(); }) {
    session_.on_output([this] { flush_session(); });
}

Connection::~Connection() = default;

std::string Connection::server() const {
    return fmt::format("{}[{}]:{}", target_.host, target_.address.ip(), target_.port);
}

std::string Connection::tls_description() const { return stream_ ? stream_->connection().description() : ""; }

void Connection::start() {
    phase_ = Phase::connecting;
    auto fd = net::start_connect_checked(target_.address);
    if (!fd) {
        fail(connect_outcome(fd.error().code, fd.error().at_socket), fd.error().text);
        return;
    }
    connecting_fd_ = std::move(*fd);
    connect_watch_.start(connecting_fd_.get(), EV_WRITE);
    deadline_.start(event::Timer::Seconds(settings_.timeouts.connect));
}

// One deadline covers each phase in turn; what its expiry means depends on
// the phase (attempt_outcome.h).
void Connection::on_deadline() {
    switch (phase_) {
    case Phase::idle:
    case Phase::finished: return;
    case Phase::connecting:
        fail(ConnectionOutcome::connect_timeout,
             fmt::format("connect timed out after {}s", settings_.timeouts.connect));
        return;
    case Phase::handshaking: fail(ConnectionOutcome::tls_timeout, "timed out in the TLS handshake"); return;
    case Phase::awaiting_hello:
        fail(ConnectionOutcome::hello_timeout, "timed out before the ServerHello");
        return;
    case Phase::established:
        if (session_.in_flight() > 0) {
            fail(ConnectionOutcome::answer_timeout, "timed out waiting for an answer");
            return;
        }
        close_when_idle();  // idle for `idle` seconds: not worth keeping
        return;
    }
}

void Connection::on_connectable() {
    connect_watch_.stop();
    if (int err = net::connect_result(connecting_fd_.get())) {
        fail(connect_outcome(err, false), fmt::format("connect: {}", std::strerror(err)));
        return;
    }
    auto tls = tls::Connection::client(std::move(connecting_fd_), settings_.credentials, target_.host);
    if (!tls) {
        // Setting up our side of TLS failed before a byte was sent.
        fail(ConnectionOutcome::local_failure, tls.error());
        return;
    }
    phase_ = Phase::handshaking;
    stream_ = std::make_unique<tls::Stream>(loop_, std::move(*tls), framer_,
                                            static_cast<tls::Stream::Handler&>(*this));
    stream_->start();
}

void Connection::on_handshake_done() {
    guard_.run([&] {
        auto chain = stream_->connection().peer_chain();
        auth_ = tls::authenticate(*settings_.policy, chain,
                                  tls::AuthTarget{target_.host, target_.port, target_.tlsa}, target_.domain);
        if (!auth_.ok) {
            fail(ConnectionOutcome::authentication_failure, "server authentication failed: " + auth_.reason);
            return;
        }
        phase_ = Phase::awaiting_hello;
    });
}

void Connection::on_input() {
    guard_.run([&] { read_answers(); });
}

// Errors that answer no Email are logged (bounded by the session;
// docs/protocol.md, Session).
void Connection::log_notes() {
    for (const auto& note : session_.notes()) log::info("SMTPsec connection to {}: {}", server(), note);
    session_.notes().clear();
}

void Connection::read_answers() {
    while (auto event = framer_.next()) session_.on_event(std::move(*event));
    log_notes();
    if (session_.failed()) {
        // Deliver the answers that did arrive before giving up (the Owner
        // may abort on one of them: the rest are then unanswered).
        while (phase_ != Phase::finished) {
            auto a = session_.take_answer();
            if (!a) break;
            hand_over(std::move(*a));
        }
        fail(session_outcome(), session_.failure());
        return;
    }
    flush_session();
    if (phase_ == Phase::awaiting_hello && session_.established()) {
        phase_ = Phase::established;
        arm_deadline();
        owner_.on_established(*this);  // may send()
        if (phase_ == Phase::finished) return;
        // Answers read in the same flight as the ServerHello are taken now:
        // left in the session, they would wait for more input that may never
        // come, and their Emails would be reported by nobody.
    }
    bool answered = false;
    while (auto a = session_.take_answer()) {
        answered = true;
        hand_over(std::move(*a));
        if (phase_ == Phase::finished) return;
    }
    if (answered) arm_deadline();
}

// An answer taken from the session is no longer among its unanswered
// Emails: until the Owner returns, answering_ keeps it for a fault.
void Connection::hand_over(session::EmailAnswer answer) {
    answering_ = answer.id;
    owner_.on_answer(*this, std::move(answer));
    answering_.reset();
}

void Connection::send(std::uint64_t id, Message email) {
    ++emails_given_;
    if (phase_ == Phase::finished) {
        late_.push_back(id);  // never sent: reported with the others
        return;
    }
    guard_.run([&] {
        session_.send(id, std::move(email));
        flush_session();
        arm_deadline();
    });
}

void Connection::abort(const std::string& reason) { fail(session_outcome(), reason); }

void Connection::flush_session() {
    if (stream_ && !session_.output().empty()) stream_->write(session_.output());
}

void Connection::arm_deadline() {
    if (phase_ != Phase::established) return;  // the connect deadline still runs
    if (closing_ && session_.in_flight() == 0) {
        close_when_idle();  // every answer is in: no reason to wait
        return;
    }
    deadline_.start(event::Timer::Seconds(session_.in_flight() > 0 ? settings_.timeouts.answer
                                                                   : settings_.timeouts.idle));
}

void Connection::close_when_idle() {
    closing_ = true;
    if (session_.in_flight() == 0 && stream_) stream_->shutdown();
}

void Connection::on_output_drained() {}

void Connection::fail(ConnectionOutcome outcome, const std::string& detail,
                      std::optional<std::uint64_t> also_lost) {
    if (phase_ == Phase::finished) return;
    ending_ = Ending{outcome, phase_ == Phase::established, detail};
    phase_ = Phase::finished;
    deadline_.stop();
    connect_watch_.stop();
    stream_.reset();
    also_lost_ = also_lost;
    report_.schedule();
}

void Connection::report() {
    std::vector<std::uint64_t> lost;
    if (also_lost_) lost.push_back(*also_lost_);
    auto unsent = unanswered();
    lost.insert(lost.end(), unsent.begin(), unsent.end());
    lost.insert(lost.end(), late_.begin(), late_.end());
    late_.clear();
    owner_.on_closed(*this, ending_, std::move(lost));  // the last act: the Owner may destroy this
}

std::vector<std::uint64_t> Connection::unanswered() {
    auto ids = session_.abandon();
    while (auto a = session_.take_answer()) ids.push_back(a->id);
    return ids;
}

void Connection::on_closed(bool clean, const std::string& reason) {
    guard_.run([&] {
        switch (phase_) {
        case Phase::idle:
        case Phase::connecting:
        case Phase::finished: return;
        case Phase::handshaking: fail(ConnectionOutcome::tls_failure, reason); return;
        case Phase::awaiting_hello:
            fail(ConnectionOutcome::session_failure, "closed before the ServerHello: " + reason);
            return;
        case Phase::established: {
            bool orderly = clean && closing_ && session_.in_flight() == 0;
            if (orderly)
                fail(ConnectionOutcome::closed, "closed");
            else
                fail(ConnectionOutcome::lost, reason);
            return;
        }
        }
    });
}

}  // namespace smtpsec::outbound

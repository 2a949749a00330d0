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

Connection::Connection(event::Loop& loop, Owner& owner, const ConnectionSettings& settings,
                       Target target)
    : loop_(loop),
      guard_([this](const std::string& what) {
          log::error("SMTPsec connection to {}: internal fault: {}", server(), what);
          // An Email whose answer the Owner was handling when the fault
          // came may not have been reported: it is abandoned with the rest
          // (an Owner that did report it ignores an id it no longer has).
          fail("internal fault: " + what, std::exchange(answering_, std::nullopt));
      }),
      owner_(owner),
      settings_(settings),
      target_(std::move(target)),
      session_({settings.our_chain}),
      framer_(kMaxServerMessage),
      connect_watch_(loop, guarded([this](int) { on_connectable(); })),
      deadline_(loop, guarded([this] {
          fail(session_.established() ? "timed out waiting for an answer"
                                      : "timed out before the ServerHello");
      })) {
    session_.on_output([this] { flush_session(); });
}

Connection::~Connection() = default;

std::string Connection::server() const {
    auto addr = target_.address.to_string();
    auto colon = addr.rfind(':');
    return fmt::format("{}[{}]:{}", target_.host,
                       addr.front() == '[' ? addr.substr(1, colon - 2) : addr.substr(0, colon),
                       target_.port);
}

std::string Connection::tls_description() const {
    return stream_ ? stream_->connection().description() : "";
}

void Connection::start() {
    auto fd = net::start_connect(target_.address);
    if (!fd) {
        // Report from the loop, never from inside the caller's call.
        std::string reason = fd.error();
        deadline_.set_callback(guarded([this, reason] { fail(reason); }));
        deadline_.start(event::Timer::Seconds(0));
        return;
    }
    connecting_fd_ = std::move(*fd);
    connect_watch_.start(connecting_fd_.get(), EV_WRITE);
    deadline_.start(event::Timer::Seconds(settings_.timeouts.connect));
}

void Connection::on_connectable() {
    connect_watch_.stop();
    if (int err = net::connect_result(connecting_fd_.get())) {
        fail(fmt::format("connect: {}", std::strerror(err)));
        return;
    }
    auto tls = tls::Connection::client(std::move(connecting_fd_), settings_.credentials, target_.host);
    if (!tls) {
        fail(tls.error());
        return;
    }
    stream_ = std::make_unique<tls::Stream>(loop_, std::move(*tls), framer_, static_cast<tls::Stream::Handler&>(*this));
    stream_->start();
}

void Connection::on_handshake_done() {
    guard_.run([&] {
        auto chain = stream_->connection().peer_chain();
        auth_ = tls::authenticate(*settings_.policy, chain,
                                  tls::AuthTarget{target_.host, target_.port, target_.tlsa}, target_.domain);
        if (!auth_.ok) fail("server authentication failed: " + auth_.reason);
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
    bool was_established = session_.established();
    while (auto event = framer_.next()) session_.on_event(std::move(*event));
    log_notes();
    if (session_.failed()) {
        // Deliver the answers that did arrive before giving up (the Owner
        // may abort on one of them: the rest are then unanswered).
        while (!finished_) {
            auto a = session_.take_answer();
            if (!a) break;
            hand_over(std::move(*a));
        }
        fail(session_.failure());
        return;
    }
    flush_session();
    if (!was_established && session_.established()) {
        arm_deadline();
        owner_.on_established(*this);  // may send()
        if (finished_) return;
        // Answers read in the same flight as the ServerHello are taken now:
        // left in the session, they would wait for more input that may never
        // come, and their Emails would be reported by nobody.
    }
    bool answered = false;
    while (auto a = session_.take_answer()) {
        answered = true;
        hand_over(std::move(*a));
        if (finished_) return;
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
    guard_.run([&] {
        session_.send(id, std::move(email));
        flush_session();
        arm_deadline();
    });
}

void Connection::flush_session() {
    if (stream_ && !session_.output().empty()) stream_->write(session_.output());
}

void Connection::arm_deadline() {
    if (!session_.established()) return;  // the connect deadline still runs
    if (closing_ && session_.in_flight() == 0) {
        close_when_idle();  // every answer is in: no reason to wait
        return;
    }
    if (session_.in_flight() > 0) {
        deadline_.start(event::Timer::Seconds(settings_.timeouts.answer));
    } else {
        deadline_.set_callback(guarded([this] { close_when_idle(); }));
        deadline_.start(event::Timer::Seconds(settings_.timeouts.idle));
        return;
    }
    deadline_.set_callback(guarded([this] { fail("timed out waiting for an answer"); }));
}

void Connection::close_when_idle() {
    closing_ = true;
    if (session_.in_flight() == 0 && stream_) stream_->shutdown();
}

void Connection::on_output_drained() {}

void Connection::fail(const std::string& reason, std::optional<std::uint64_t> also_lost) {
    if (finished_) return;
    finished_ = true;
    deadline_.stop();
    connect_watch_.stop();
    stream_.reset();
    auto lost = unanswered();
    if (also_lost) lost.insert(lost.begin(), *also_lost);
    owner_.on_closed(*this, session_.established(), reason, std::move(lost));
}

std::vector<std::uint64_t> Connection::unanswered() {
    auto ids = session_.abandon();
    while (auto a = session_.take_answer()) ids.push_back(a->id);
    return ids;
}

void Connection::on_closed(bool clean, const std::string& reason) {
    guard_.run([&] {
        if (finished_) return;
        finished_ = true;
        deadline_.stop();
        bool orderly = clean && closing_ && session_.in_flight() == 0;
        auto established = session_.established();
        auto abandoned = unanswered();
        owner_.on_closed(*this, established, orderly ? "closed" : reason, std::move(abandoned));
    });
}

}  // namespace smtpsec::outbound

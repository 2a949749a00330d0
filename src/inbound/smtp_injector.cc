// The re-injection client's state machine (see smtp_injector.h for the
// behaviour). One connection; replies are matched to commands through the
// `awaiting_` queue, in order, as RFC 2920 guarantees. Anything that can close
// the connection bumps `generation_`, so code after a call that may have
// closed (and even reopened) it checks the generation before going on.
#include "inbound/smtp_injector.h"

#include <ev.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "event/fault_guard.h"
#include "imf/content_traits.h"
#include "imf/utf8.h"

namespace smtpsec::inbound {
namespace {

constexpr std::size_t body_chunk = 256 * 1024;  // message bytes stuffed per refill

const char* name_of(int expect) {
    static constexpr const char* names[] = {"the greeting", "EHLO", "RSET", "MAIL", "RCPT", "DATA",
                                            "the final dot", "QUIT"};
    return names[expect];
}

bool is_helo_name(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127) return false;
    }
    return true;
}

RecipientStatus status_of(const SmtpReply& r) {
    if (r.kind() == 2) return RecipientStatus::accepted;
    if (r.kind() == 5) return RecipientStatus::permanent_failure;
    return RecipientStatus::temporary_failure;
}

}  // namespace

SmtpInjector::SmtpInjector(event::Loop& loop, InjectorConfig config)
    : loop_(loop),
      config_(std::move(config)),
      io_(loop, [this](int revents) { contain([&] { on_io(revents); }); }),
      timer_(loop, [this] { contain([&] { on_timer(); }); }),
      deliver_timer_(loop, [this] { deliver_completions(); }) {
    auto endpoint = net::Endpoint::parse(config_.address, config_.port);
    if (!endpoint) throw std::invalid_argument("smtp injector: " + endpoint.error());
    endpoint_ = *endpoint;
    if (!is_helo_name(config_.helo_name))
        throw std::invalid_argument(fmt::format("smtp injector: unusable HELO name '{}'", config_.helo_name));
}

SmtpInjector::~SmtpInjector() {
    *alive_ = false;
    // Best effort, without waiting: a polite end for an idle connection.
    if (fd_ && phase_ == Phase::ready) ::send(fd_.get(), "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void SmtpInjector::send(InjectRequest request, Callback done) {
    Pending p{std::move(request), std::move(done)};
    if (p.request.recipients.empty()) {
        complete(std::move(p), InjectResult{false, false, false, "no recipients", {}});
        return;
    }
    if (!is_usable_path(p.request.mail_from, true)) {
        InjectResult r{false, false, false, fmt::format("sender address unusable in SMTP: '{}'", p.request.mail_from),
                       {}};
        for (const auto& rcpt : p.request.recipients)
            r.recipients.push_back({rcpt, RecipientStatus::permanent_failure, 0, r.reason});
        complete(std::move(p), std::move(r));
        return;
    }
    queue_.push_back(std::move(p));
    start_next();
}

// --- completions --------------------------------------------------------

void SmtpInjector::complete(Pending pending, InjectResult result) {
    completed_.emplace_back(std::move(pending.done), std::move(result));
    if (!deliver_timer_.active()) deliver_timer_.start(event::Timer::Seconds(0));
}

void SmtpInjector::deliver_completions() {
    auto alive = alive_;
    while (!completed_.empty()) {
        auto [done, result] = std::move(completed_.front());
        completed_.pop_front();
        // Each caller guards its own callback (event/fault_guard.h); one
        // that still throws must not cost the others their results.
        try {
            if (done) done(std::move(result));
        } catch (...) {
        }
        if (!*alive) return;  // the callback destroyed us
    }
}

// The injector serves every inbound connection over one MTA connection at a
// time: a fault in its exchange with the MTA (not in a caller's callback)
// ends that MTA connection like a lost one, its messages failing
// temporarily (the SMTPsec clients send them again; the reason says why),
// and the next message opens a new one. Caught here and not in the loop,
// which would end the daemon (event/fault_guard.h).
void SmtpInjector::contain(const std::function<void()>& body) noexcept {
    auto fault = event::fault_of(body);
    if (!fault) return;
    try {
        fail_connection("internal fault talking to the MTA: " + *fault);
    } catch (...) {
    }
}

// --- connection ---------------------------------------------------------

void SmtpInjector::start_next() {
    // finish() calls back here; a loop instead of recursion keeps a long
    // queue of messages refused before sending from growing the stack.
    if (starting_) {
        restart_ = true;
        return;
    }
    starting_ = true;
    do {
        restart_ = false;
        start_next_once();
    } while (restart_);
    starting_ = false;
}

void SmtpInjector::start_next_once() {
    if (current_) return;
    if (phase_ == Phase::closed) {
        if (!queue_.empty()) connect();
        return;
    }
    if (phase_ != Phase::ready) return;  // connecting, greeting, EHLO or QUIT under way
    if (queue_.empty()) {
        arm(config_.timeouts.idle);
        return;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    begin_transaction();
}

void SmtpInjector::connect() {
    close_connection();
    auto fd = net::start_connect(endpoint_);
    if (!fd) {
        fail_connection(fd.error());
        return;
    }
    fd_ = std::move(*fd);
    phase_ = Phase::connecting;
    io_.start(fd_.get(), EV_WRITE);
    arm(config_.timeouts.connect);
}

void SmtpInjector::on_connected() {
    int err = net::connect_result(fd_.get());
    if (err != 0) {
        fail_connection(fmt::format("connect to {}: {}", endpoint_.to_string(), std::strerror(err)));
        return;
    }
    phase_ = Phase::greeting;
    awaiting_.push_back(Expect::greeting);
    watching_write_ = true;  // force the watcher to be restarted for reading
    watch(false);
    arm(config_.timeouts.reply);
}

void SmtpInjector::close_connection() {
    io_.stop();
    timer_.stop();
    fd_.reset();
    phase_ = Phase::closed;
    ++generation_;
    parser_ = ReplyParser{};
    replies_.clear();
    to_send_.clear();
    awaiting_.clear();
    out_.clear();
    out_pos_ = 0;
    watching_write_ = false;
    caps_ = EhloCapabilities{};
    needs_rset_ = false;
    transactions_on_connection_ = 0;
}

void SmtpInjector::fail_connection(const std::string& reason) {
    const bool establishing =
        phase_ == Phase::closed || phase_ == Phase::connecting || phase_ == Phase::greeting || phase_ == Phase::ehlo;
    const bool reused = transactions_on_connection_ > 0;
    close_connection();
    if (current_) {
        if (!tx_.any_reply && reused && !current_->retried) {
            // The kept-alive connection had died before this message: once more, fresh.
            current_->retried = true;
            queue_.push_front(std::move(*current_));
            current_.reset();
        } else {
            demote_accepted(RecipientStatus::temporary_failure, 0, reason);
            finish(false, true, reason, false);
        }
    }
    if (establishing) {
        // Every queued message would meet the same refusal: say so now.
        while (!queue_.empty()) {
            Pending p = std::move(queue_.front());
            queue_.pop_front();
            InjectResult r{false, true, false, reason, {}};
            for (const auto& rcpt : p.request.recipients)
                r.recipients.push_back({rcpt, RecipientStatus::temporary_failure, 0, reason});
            complete(std::move(p), std::move(r));
        }
    }
    start_next();
}

void SmtpInjector::watch(bool want_write) {
    if (!fd_) return;
    if (io_.active() && want_write == watching_write_) return;
    watching_write_ = want_write;
    io_.start(fd_.get(), EV_READ | (want_write ? EV_WRITE : 0));
}

void SmtpInjector::arm(InjectorConfig::Timeouts::Seconds after) {
    loop_.update_now();
    timer_.start(after);
}

void SmtpInjector::on_timer() {
    switch (phase_) {
        case Phase::ready:  // idle long enough
            phase_ = Phase::quitting;
            queue_command("QUIT\r\n", Expect::quit);
            pump_commands();
            return;
        case Phase::quitting:
            close_connection();
            start_next();
            return;
        case Phase::connecting:
            fail_connection(fmt::format("timeout connecting to {}", endpoint_.to_string()));
            return;
        case Phase::data_body:
            fail_connection("timeout sending the message");
            return;
        default:
            fail_connection(fmt::format("timeout waiting for the reply to {}",
                                        awaiting_.empty() ? "a command" : name_of(static_cast<int>(awaiting_.front()))));
            return;
    }
}

// --- I/O ----------------------------------------------------------------

void SmtpInjector::on_io(int revents) {
    const unsigned generation = generation_;
    if (phase_ == Phase::connecting) {
        on_connected();
        return;
    }
    if (revents & EV_READ) read_available();
    if (generation != generation_ || !fd_) return;
    if (revents & EV_WRITE) flush();
}

void SmtpInjector::read_available() {
    const unsigned generation = generation_;
    bool eof = false;
    std::string error;
    char buffer[16384];
    for (int reads = 0; reads < 16; ++reads) {
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n > 0) {
            if (!parser_.feed(std::string_view(buffer, static_cast<std::size_t>(n)), replies_)) {
                fail_connection("malformed reply from the MTA: " + parser_.error());
                return;
            }
            if (static_cast<std::size_t>(n) < sizeof buffer) break;
            continue;
        }
        if (n == 0) {
            eof = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            error = std::strerror(errno);
        }
        break;
    }
    while (!replies_.empty() && generation == generation_) {
        SmtpReply reply = std::move(replies_.front());
        replies_.pop_front();
        on_reply(reply);
    }
    if (generation != generation_ || (!eof && error.empty())) return;
    if (!current_ && (phase_ == Phase::ready || phase_ == Phase::quitting)) {
        close_connection();  // the MTA ended an idle connection: nothing lost
        start_next();
        return;
    }
    fail_connection(eof ? "the MTA closed the connection" : "read from the MTA: " + error);
}

void SmtpInjector::queue_command(std::string text, Expect expect) { to_send_.push_back({std::move(text), expect}); }

void SmtpInjector::pump_commands() {
    bool moved = false;
    while (!to_send_.empty() && (awaiting_.empty() || (caps_.pipelining && phase_ == Phase::transaction))) {
        out_ += to_send_.front().text;
        awaiting_.push_back(to_send_.front().expect);
        to_send_.pop_front();
        moved = true;
    }
    if (!moved) return;
    arm(config_.timeouts.reply);
    flush();
}

void SmtpInjector::flush() {
    const unsigned generation = generation_;
    while (true) {
        while (out_pos_ < out_.size()) {
            ssize_t n = ::send(fd_.get(), out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
            if (n > 0) {
                out_pos_ += static_cast<std::size_t>(n);
                if (phase_ == Phase::data_body) arm(config_.timeouts.data_write);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                watch(true);
                return;
            }
            fail_connection(fmt::format("write to the MTA: {}", std::strerror(errno)));
            return;
        }
        out_.clear();
        out_pos_ = 0;
        if (phase_ != Phase::data_body) break;
        if (!tx_.body_done) {
            refill_body();
            continue;
        }
        phase_ = Phase::final_reply;
        awaiting_.push_back(Expect::final_dot);
        arm(config_.timeouts.final_reply);
        break;
    }
    if (generation == generation_) watch(false);
}

bool SmtpInjector::refill_body() {
    const auto& pieces = current_->request.message;
    while (out_.size() < body_chunk && tx_.piece < pieces.size()) {
        std::string_view piece = pieces[tx_.piece].view();
        std::size_t take = std::min(body_chunk, piece.size() - tx_.piece_offset);
        tx_.stuffer.feed(piece.substr(tx_.piece_offset, take), out_);
        tx_.piece_offset += take;
        if (tx_.piece_offset == piece.size()) {
            ++tx_.piece;
            tx_.piece_offset = 0;
        }
    }
    if (tx_.piece == pieces.size()) {
        tx_.stuffer.finish(out_);
        tx_.body_done = true;
    }
    return !out_.empty();
}

// --- the transaction ----------------------------------------------------

void SmtpInjector::begin_transaction() {
    const InjectRequest& req = current_->request;
    tx_ = Transaction{};
    bool utf8 = !imf::is_ascii(req.mail_from);
    for (std::size_t i = 0; i < req.recipients.size(); ++i) {
        const std::string& rcpt = req.recipients[i];
        if (!is_usable_path(rcpt, false)) {
            tx_.results.push_back({rcpt, RecipientStatus::permanent_failure, 0, "address unusable in SMTP"});
            continue;
        }
        tx_.results.push_back({rcpt, RecipientStatus::temporary_failure, 0, "no reply from the MTA"});
        tx_.sent.push_back(i);
        utf8 = utf8 || !imf::is_ascii(rcpt);
    }
    if (tx_.sent.empty()) {
        finish(false, false, "no recipient address usable in SMTP", false);
        return;
    }
    const imf::ContentTraits traits = imf::scan_content(req.message);
    utf8 = utf8 || traits.eight_bit_header;
    if (utf8 && !caps_.smtputf8) {
        std::string reason =
            "the message needs SMTPUTF8 (a non-ASCII address or header field) and the MTA does not offer it";
        for (std::size_t i : tx_.sent) tx_.results[i] = {req.recipients[i], RecipientStatus::permanent_failure, 0, reason};
        finish(false, false, reason, false);
        return;
    }
    MailParameters params;
    if (caps_.size)
        for (const auto& piece : req.message) params.size += piece.size();
    params.smtputf8 = utf8;
    params.body_8bitmime = caps_.eight_bit_mime && (utf8 || traits.eight_bit_body);

    phase_ = Phase::transaction;
    if (needs_rset_) queue_command("RSET\r\n", Expect::rset);
    queue_command(mail_command(req.mail_from, params), Expect::mail);
    for (std::size_t i : tx_.sent) queue_command(rcpt_command(req.recipients[i]), Expect::rcpt);
    if (caps_.pipelining) queue_command("DATA\r\n", Expect::data);
    pump_commands();
}

void SmtpInjector::on_reply(const SmtpReply& reply) {
    if (awaiting_.empty()) {
        if (!current_ && (phase_ == Phase::ready || reply.code == 421)) {
            close_connection();  // e.g. "421 timeout" on an idle connection
            start_next();
        } else {
            fail_connection("unexpected reply from the MTA: " + reply.text());
        }
        return;
    }
    const Expect expect = awaiting_.front();
    awaiting_.pop_front();
    if (current_) tx_.any_reply = true;
    if (reply.code == 421 && expect != Expect::quit) {
        fail_connection("the MTA is closing the connection: " + reply.text());
        return;
    }
    const unsigned generation = generation_;
    switch (expect) {
        case Expect::greeting:
            if (reply.code != 220) {
                fail_connection("greeting from the MTA: " + reply.text());
                return;
            }
            phase_ = Phase::ehlo;
            queue_command(ehlo_command(config_.helo_name), Expect::ehlo);
            break;
        case Expect::ehlo:
            if (reply.code != 250) {
                fail_connection("EHLO refused: " + reply.text());
                return;
            }
            caps_ = parse_ehlo(reply);
            phase_ = Phase::ready;
            timer_.stop();
            start_next();
            return;
        case Expect::rset:
            if (reply.kind() != 2) {
                fail_connection("RSET refused: " + reply.text());
                return;
            }
            needs_rset_ = false;
            break;
        case Expect::mail:
            tx_.mail_reply = reply;
            if (reply.kind() != 2 && !caps_.pipelining) {
                to_send_.clear();
                finish_without_data(nullptr, false);
                return;
            }
            break;
        case Expect::rcpt: {
            if (tx_.rcpt_replies >= tx_.sent.size()) {
                fail_connection("more RCPT replies than RCPT commands");
                return;
            }
            std::size_t index = tx_.sent[tx_.rcpt_replies++];
            if (reply.kind() == 3) {
                fail_connection("unexpected reply to RCPT: " + reply.text());
                return;
            }
            tx_.results[index].status = status_of(reply);
            tx_.results[index].code = reply.code;
            tx_.results[index].text = reply.text();
            if (!caps_.pipelining && tx_.rcpt_replies == tx_.sent.size()) {
                after_last_rcpt();
                return;
            }
            break;
        }
        case Expect::data:
            on_data_reply(reply);
            return;
        case Expect::final_dot:
            finish_after_data(reply);
            return;
        case Expect::quit:
            close_connection();
            start_next();
            return;
    }
    if (generation != generation_) return;
    if (!awaiting_.empty()) arm(config_.timeouts.reply);
    pump_commands();
}

bool SmtpInjector::should_send_body() const {
    if (!tx_.mail_reply || tx_.mail_reply->kind() != 2) return false;
    bool any_accepted = false;
    for (std::size_t i : tx_.sent) {
        if (tx_.results[i].status == RecipientStatus::temporary_failure) return false;
        any_accepted = any_accepted || tx_.results[i].status == RecipientStatus::accepted;
    }
    return any_accepted;
}

void SmtpInjector::after_last_rcpt() {
    if (!should_send_body()) {
        finish_without_data(nullptr, false);
        return;
    }
    queue_command("DATA\r\n", Expect::data);
    pump_commands();
}

void SmtpInjector::on_data_reply(const SmtpReply& reply) {
    if (reply.code == 354) {
        if (!should_send_body()) {
            // Pipelined DATA was accepted although the message must not go:
            // dropping the connection without the final dot aborts it.
            finish_without_data(nullptr, true);
            return;
        }
        phase_ = Phase::data_body;
        arm(config_.timeouts.data_write);
        refill_body();
        flush();
        return;
    }
    finish_without_data(&reply, false);
}

void SmtpInjector::demote_accepted(RecipientStatus status, int code, const std::string& text) {
    for (auto& r : tx_.results) {
        if (r.status != RecipientStatus::accepted) continue;
        r.status = status;
        r.code = code;
        r.text = text;
    }
}

void SmtpInjector::finish_without_data(const SmtpReply* data_reply, bool close_after) {
    needs_rset_ = !close_after;  // the MTA still holds the transaction
    const SmtpReply* mail = tx_.mail_reply ? &*tx_.mail_reply : nullptr;
    if (mail && mail->kind() != 2) {
        std::string reason = "MAIL FROM refused: " + mail->text();
        for (std::size_t i : tx_.sent) tx_.results[i] = {tx_.results[i].address, status_of(*mail), mail->code, mail->text()};
        finish(false, mail->kind() != 5, reason, close_after);
        return;
    }
    const RecipientResult* deferred = nullptr;
    bool any_accepted = false;
    for (std::size_t i : tx_.sent) {
        if (!deferred && tx_.results[i].status == RecipientStatus::temporary_failure) deferred = &tx_.results[i];
        any_accepted = any_accepted || tx_.results[i].status == RecipientStatus::accepted;
    }
    if (deferred) {
        std::string reason = fmt::format("RCPT TO:<{}> deferred: {}; the message was not sent to anyone",
                                         deferred->address, deferred->text);
        demote_accepted(RecipientStatus::temporary_failure, 0, "not sent: another recipient was deferred");
        finish(false, true, reason, close_after);
        return;
    }
    if (!any_accepted) {
        tx_.all_recipients_refused_marker = true;
        finish(false, false, "every recipient was refused", close_after);
        return;
    }
    if (data_reply) {
        demote_accepted(status_of(*data_reply), data_reply->code, data_reply->text());
        finish(false, data_reply->kind() != 5, "DATA refused: " + data_reply->text(), close_after);
        return;
    }
    finish(false, true, "the message was not sent", close_after);
}

void SmtpInjector::finish_after_data(const SmtpReply& reply) {
    if (reply.code == 250) {
        for (auto& r : tx_.results) {
            if (r.status != RecipientStatus::accepted) continue;
            r.code = reply.code;
            r.text = reply.text();
        }
        finish(true, false, reply.text(), false);
        return;
    }
    // A 2xx other than 250 is not a delivery we can be sure of: retry.
    RecipientStatus status = reply.kind() == 5 ? RecipientStatus::permanent_failure : RecipientStatus::temporary_failure;
    demote_accepted(status, reply.code, reply.text());
    finish(false, status == RecipientStatus::temporary_failure, "message refused after DATA: " + reply.text(), false);
}

void SmtpInjector::finish(bool delivered, bool temporary, std::string reason, bool close_after) {
    InjectResult result;
    result.delivered = delivered;
    result.temporary_failure = !delivered && temporary;
    result.all_recipients_refused = tx_.all_recipients_refused_marker;
    result.reason = std::move(reason);
    result.recipients = std::move(tx_.results);
    Pending p = std::move(*current_);
    current_.reset();
    tx_ = Transaction{};
    complete(std::move(p), std::move(result));
    if (fd_) {
        ++transactions_on_connection_;
        if (phase_ != Phase::closed) phase_ = Phase::ready;
    }
    if (close_after) {
        close_connection();
        start_next();
        return;
    }
    if (phase_ == Phase::ready) {
        timer_.stop();
        start_next();
    }
}

}  // namespace smtpsec::inbound

// See client_session.h for the behaviour. Replies are matched to commands
// through `awaiting_`, in order, as RFC 2920 guarantees. Every public input
// ends in advance(), which starts the next queued message when the
// connection is ready: nothing below calls back into an input, so a long
// queue of messages refused before sending does not grow the stack.
#include "mta/client_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "imf/content_traits.h"
#include "imf/utf8.h"

namespace smtpsec::mta {
namespace {

constexpr std::size_t body_chunk = 256 * 1024;  // message bytes stuffed per refill

Outcome outcome_of(const SmtpReply& r) {
    if (r.kind() == 2) return Outcome::delivered;  // accepted, for a RCPT
    if (r.kind() == 5) return Outcome::refused;
    return Outcome::deferred;
}

}  // namespace

std::string_view name_of(Outcome outcome) {
    switch (outcome) {
    case Outcome::delivered: return "delivered";
    case Outcome::refused: return "refused";
    case Outcome::deferred: return "deferred";
    }
    return "?";
}

std::string_view name_of(Step step) {
    switch (step) {
    case Step::request: return "request";
    case Step::connection: return "connection";
    case Step::mail: return "MAIL";
    case Step::recipients: return "RCPT";
    case Step::data: return "DATA";
    case Step::final_dot: return "final dot";
    }
    return "?";
}

std::string_view name_of(ClientSession::State state) {
    using S = ClientSession::State;
    switch (state) {
    case S::closed: return "closed";
    case S::connecting: return "connecting";
    case S::greeting: return "greeting";
    case S::ehlo: return "ehlo";
    case S::ready: return "ready";
    case S::transaction: return "transaction";
    case S::sending_body: return "sending_body";
    case S::final_reply: return "final_reply";
    case S::quitting: return "quitting";
    }
    return "?";
}

ClientSession::ClientSession(std::string helo_name, std::string peer)
    : helo_name_(std::move(helo_name)), peer_(std::move(peer)) {}

std::string_view ClientSession::awaiting() const {
    if (awaiting_.empty()) return "a command";
    static constexpr const char* names[] = {"the greeting", "EHLO", "RSET",          "MAIL",
                                            "RCPT",         "DATA", "the final dot", "QUIT"};
    return names[static_cast<int>(awaiting_.front())];
}

// --- outputs ---------------------------------------------------------------

bool ClientSession::take_close() { return std::exchange(close_, false); }
bool ClientSession::take_connect() { return std::exchange(connect_, false); }
std::optional<ClientSession::Timeout> ClientSession::take_timer() {
    return std::exchange(timer_, std::nullopt);
}
std::vector<ClientSession::Finished> ClientSession::take_finished() { return std::exchange(finished_, {}); }

// --- inputs ----------------------------------------------------------------

void ClientSession::submit(std::uint64_t id, Request request) {
    if (request.recipients.empty()) {
        finished_.push_back({id, Result{Outcome::refused, Step::request, "no recipients", {}}});
        return;
    }
    if (!is_usable_path(request.mail_from, true)) {
        Result r{Outcome::refused,
                 Step::request,
                 fmt::format("sender address unusable in SMTP: '{}'", request.mail_from),
                 {}};
        for (const auto& rcpt : request.recipients)
            r.recipients.push_back({rcpt, Outcome::refused, 0, r.reason});
        finished_.push_back({id, std::move(r)});
        return;
    }
    queue_.push_back({id, std::move(request)});
    advance();
}

void ClientSession::connected() {
    if (state_ != State::connecting) return;
    state_ = State::greeting;
    awaiting_.push_back(Command::greeting);
    arm(Timeout::reply);
}

void ClientSession::connect_failed(const std::string& reason) {
    if (state_ != State::connecting) return;
    fail_connection(reason);
    advance();
}

void ClientSession::received(std::string_view bytes, std::optional<std::string> then_lost) {
    if (state_ == State::closed || state_ == State::connecting) return;
    if (!parser_.feed(bytes, replies_)) {
        fail_connection("malformed reply from the MTA: " + parser_.error());
    } else {
        // close_connection() clears replies_: replies read from a connection
        // that a reply made us close are not taken for the next one.
        while (!replies_.empty()) {
            SmtpReply reply = std::move(replies_.front());
            replies_.pop_front();
            on_reply(reply);
        }
        // A reply in these bytes may have closed the connection already
        // (221, 421): end_connection() then finds it closed. Nothing reopens
        // one before advance(), below.
        if (then_lost) end_connection(*then_lost);
    }
    advance();
}

void ClientSession::lost(const std::string& reason) {
    end_connection(reason);
    advance();
}

void ClientSession::end_connection(const std::string& reason) {
    if (state_ == State::closed) return;
    if (!current_ && (state_ == State::ready || state_ == State::quitting)) {
        close_connection();  // the MTA ended an idle connection: nothing lost
    } else {
        fail_connection(reason);
    }
}

void ClientSession::timed_out() {
    switch (state_) {
    case State::closed: break;
    case State::ready:  // idle long enough
        state_ = State::quitting;
        send_command("QUIT\r\n", Command::quit);
        pump_commands();
        break;
    case State::quitting: close_connection(); break;
    case State::connecting: fail_connection(fmt::format("timeout connecting to {}", peer_)); break;
    case State::sending_body: fail_connection("timeout sending the message"); break;
    case State::greeting:
    case State::ehlo:
    case State::transaction:
    case State::final_reply:
        fail_connection(fmt::format("timeout waiting for the reply to {}", awaiting()));
        break;
    }
    advance();
}

void ClientSession::wrote(std::size_t n) {
    out_pos_ = std::min(out_.size(), out_pos_ + n);
    if (state_ == State::sending_body) arm(Timeout::data_write);  // progress restarts it
    if (out_pos_ < out_.size()) return;
    out_.clear();
    out_pos_ = 0;
    if (state_ != State::sending_body) return;
    if (!tx_.body_done) {
        refill_body();
        return;
    }
    state_ = State::final_reply;
    awaiting_.push_back(Command::final_dot);
    arm(Timeout::final_reply);
}

// --- the connection --------------------------------------------------------

void ClientSession::advance() {
    while (!current_) {
        if (state_ == State::closed) {
            if (!queue_.empty()) connect();
            return;
        }
        if (state_ != State::ready || queue_.empty()) return;
        current_ = std::move(queue_.front());
        queue_.pop_front();
        begin_transaction();  // may finish at once (nothing SMTP can carry): then the loop takes the next
    }
}

void ClientSession::connect() {
    state_ = State::connecting;
    connect_ = true;
    arm(Timeout::connect);
}

void ClientSession::close_connection() {
    if (state_ != State::closed) close_ = true;
    state_ = State::closed;
    parser_ = ReplyParser{};
    replies_.clear();
    to_send_.clear();
    awaiting_.clear();
    out_.clear();
    out_pos_ = 0;
    caps_ = EhloCapabilities{};
    needs_rset_ = false;
    transactions_on_connection_ = 0;
    arm(Timeout::none);
}

void ClientSession::fail_connection(const std::string& reason) {
    const bool establishing = state_ == State::closed || state_ == State::connecting ||
                              state_ == State::greeting || state_ == State::ehlo;
    const bool reused = transactions_on_connection_ > 0;
    close_connection();
    if (current_) {
        if (!tx_.any_reply && reused) {
            // The kept-alive connection had died before this message: once
            // more, fresh. Once only: first on the new connection, the
            // message meets no reuse there.
            queue_.push_front(std::move(*current_));
            current_.reset();
        } else {
            demote_accepted(Outcome::deferred, 0, reason);
            finish(Outcome::deferred, Step::connection, reason, false);
        }
    }
    if (establishing) {
        // Every queued message would meet the same refusal: say so now.
        for (auto& p : queue_) {
            Result r{Outcome::deferred, Step::connection, reason, {}};
            for (const auto& rcpt : p.request.recipients)
                r.recipients.push_back({rcpt, Outcome::deferred, 0, reason});
            finished_.push_back({p.id, std::move(r)});
        }
        queue_.clear();
    }
}

void ClientSession::send_command(std::string text, Command command) {
    to_send_.emplace_back(std::move(text), command);
}

void ClientSession::pump_commands() {
    bool moved = false;
    while (!to_send_.empty() && (awaiting_.empty() || (caps_.pipelining && state_ == State::transaction))) {
        out_ += to_send_.front().first;
        awaiting_.push_back(to_send_.front().second);
        to_send_.pop_front();
        moved = true;
    }
    if (moved) arm(Timeout::reply);
}

void ClientSession::become_ready() {
    state_ = State::ready;
    arm(Timeout::idle);
}

// --- the transaction -------------------------------------------------------

void ClientSession::begin_transaction() {
    const Request& req = current_->request;
    tx_ = Transaction{};
    bool utf8 = !imf::is_ascii(req.mail_from);
    for (std::size_t i = 0; i < req.recipients.size(); ++i) {
        const std::string& rcpt = req.recipients[i];
        if (!is_usable_path(rcpt, false)) {
            tx_.results.push_back({rcpt, Outcome::refused, 0, "address unusable in SMTP"});
            continue;
        }
        tx_.results.push_back({rcpt, Outcome::deferred, 0, "no reply from the MTA"});
        tx_.sent.push_back(i);
        utf8 = utf8 || !imf::is_ascii(rcpt);
    }
    if (tx_.sent.empty()) {
        finish(Outcome::refused, Step::request, "no recipient address usable in SMTP", false);
        return;
    }
    const imf::ContentTraits traits = imf::scan_content(req.message);
    utf8 = utf8 || traits.eight_bit_header;
    if (utf8 && !caps_.smtputf8) {
        std::string reason =
            "the message needs SMTPUTF8 (a non-ASCII address or header field) and the MTA does not offer it";
        for (std::size_t i : tx_.sent) tx_.results[i] = {req.recipients[i], Outcome::refused, 0, reason};
        finish(Outcome::refused, Step::request, reason, false);
        return;
    }
    MailParameters params;
    if (caps_.size)
        for (const auto& piece : req.message) params.size += piece.size();
    params.smtputf8 = utf8;
    params.body_8bitmime = caps_.eight_bit_mime && (utf8 || traits.eight_bit_body);

    state_ = State::transaction;
    if (needs_rset_) send_command("RSET\r\n", Command::rset);
    send_command(mail_command(req.mail_from, params), Command::mail);
    for (std::size_t i : tx_.sent) send_command(rcpt_command(req.recipients[i]), Command::rcpt);
    if (caps_.pipelining) send_command("DATA\r\n", Command::data);
    pump_commands();
}

void ClientSession::on_reply(const SmtpReply& reply) {
    if (awaiting_.empty()) {
        if (!current_ && (state_ == State::ready || reply.code == 421)) {
            close_connection();  // e.g. "421 timeout" on an idle connection
        } else {
            fail_connection("unexpected reply from the MTA: " + reply.text());
        }
        return;
    }
    const Command command = awaiting_.front();
    awaiting_.pop_front();
    if (current_) tx_.any_reply = true;
    if (reply.code == 421 && command != Command::quit) {
        fail_connection("the MTA is closing the connection: " + reply.text());
        return;
    }
    switch (command) {
    case Command::greeting:
        if (reply.code != 220) {
            fail_connection("greeting from the MTA: " + reply.text());
            return;
        }
        state_ = State::ehlo;
        send_command(ehlo_command(helo_name_), Command::ehlo);
        break;
    case Command::ehlo:
        if (reply.code != 250) {
            fail_connection("EHLO refused: " + reply.text());
            return;
        }
        caps_ = parse_ehlo(reply);
        become_ready();
        return;
    case Command::rset:
        if (reply.kind() != 2) {
            fail_connection("RSET refused: " + reply.text());
            return;
        }
        needs_rset_ = false;
        break;
    case Command::mail:
        tx_.mail_reply = reply;
        if (reply.kind() != 2 && !caps_.pipelining) {
            to_send_.clear();
            finish_without_data(nullptr, false);
            return;
        }
        break;
    case Command::rcpt: on_rcpt_reply(reply); return;
    case Command::data: on_data_reply(reply); return;
    case Command::final_dot: finish_after_data(reply); return;
    case Command::quit: close_connection(); return;
    }
    if (!awaiting_.empty()) arm(Timeout::reply);
    pump_commands();
}

void ClientSession::on_rcpt_reply(const SmtpReply& reply) {
    if (tx_.rcpt_replies >= tx_.sent.size()) {
        fail_connection("more RCPT replies than RCPT commands");
        return;
    }
    if (reply.kind() == 3) {
        fail_connection("unexpected reply to RCPT: " + reply.text());
        return;
    }
    auto& result = tx_.results[tx_.sent[tx_.rcpt_replies++]];
    result.outcome = outcome_of(reply);
    result.code = reply.code;
    result.text = reply.text();
    if (!caps_.pipelining && tx_.rcpt_replies == tx_.sent.size()) {
        // One command at a time: DATA only if the message is to go.
        if (!should_send_body()) {
            finish_without_data(nullptr, false);
            return;
        }
        send_command("DATA\r\n", Command::data);
    }
    if (!awaiting_.empty()) arm(Timeout::reply);
    pump_commands();
}

bool ClientSession::should_send_body() const {
    if (!tx_.mail_reply || tx_.mail_reply->kind() != 2) return false;
    bool any_accepted = false;
    for (std::size_t i : tx_.sent) {
        if (tx_.results[i].outcome == Outcome::deferred) return false;
        any_accepted = any_accepted || tx_.results[i].outcome == Outcome::delivered;
    }
    return any_accepted;
}

void ClientSession::on_data_reply(const SmtpReply& reply) {
    if (reply.code != 354) {
        finish_without_data(&reply, false);
        return;
    }
    if (!should_send_body()) {
        // Pipelined DATA was accepted although the message must not go:
        // dropping the connection without the final dot aborts it.
        finish_without_data(nullptr, true);
        return;
    }
    state_ = State::sending_body;
    arm(Timeout::data_write);
    refill_body();
}

void ClientSession::refill_body() {
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
}

void ClientSession::demote_accepted(Outcome outcome, int code, const std::string& text) {
    for (auto& r : tx_.results) {
        if (r.outcome != Outcome::delivered) continue;
        r.outcome = outcome;
        r.code = code;
        r.text = text;
    }
}

void ClientSession::finish_without_data(const SmtpReply* data_reply, bool close_after) {
    needs_rset_ = !close_after;
    const SmtpReply* mail = tx_.mail_reply ? &*tx_.mail_reply : nullptr;
    if (mail && mail->kind() != 2) {
        for (std::size_t i : tx_.sent)
            tx_.results[i] = {tx_.results[i].address, outcome_of(*mail), mail->code, mail->text()};
        finish(mail->kind() == 5 ? Outcome::refused : Outcome::deferred, Step::mail,
               "MAIL FROM refused: " + mail->text(), close_after);
        return;
    }
    const RecipientResult* deferred = nullptr;
    bool any_accepted = false;
    for (std::size_t i : tx_.sent) {
        if (!deferred && tx_.results[i].outcome == Outcome::deferred) deferred = &tx_.results[i];
        any_accepted = any_accepted || tx_.results[i].outcome == Outcome::delivered;
    }
    if (deferred) {
        std::string reason = fmt::format("RCPT TO:<{}> deferred: {}; the message was not sent to anyone",
                                         deferred->address, deferred->text);
        demote_accepted(Outcome::deferred, 0, "not sent: another recipient was deferred");
        finish(Outcome::deferred, Step::recipients, reason, close_after);
        return;
    }
    if (!any_accepted) {
        finish(Outcome::refused, Step::recipients, "every recipient was refused", close_after);
        return;
    }
    if (data_reply) {
        demote_accepted(outcome_of(*data_reply), data_reply->code, data_reply->text());
        finish(data_reply->kind() == 5 ? Outcome::refused : Outcome::deferred, Step::data,
               "DATA refused: " + data_reply->text(), close_after);
        return;
    }
    demote_accepted(Outcome::deferred, 0, "the message was not sent");
    finish(Outcome::deferred, Step::data, "the message was not sent", close_after);
}

void ClientSession::finish_after_data(const SmtpReply& reply) {
    if (reply.code == 250) {
        for (auto& r : tx_.results) {
            if (r.outcome != Outcome::delivered) continue;
            r.code = reply.code;
            r.text = reply.text();
        }
        finish(Outcome::delivered, Step::final_dot, reply.text(), false);
        return;
    }
    // A 2xx other than 250 is not a delivery we can be sure of: retry.
    Outcome outcome = reply.kind() == 5 ? Outcome::refused : Outcome::deferred;
    demote_accepted(outcome, reply.code, reply.text());
    finish(outcome, Step::final_dot, "message refused after DATA: " + reply.text(), false);
}

void ClientSession::finish(Outcome outcome, Step step, std::string reason, bool close_after) {
    Result result{outcome, step, std::move(reason), std::move(tx_.results)};
    finished_.push_back({current_->id, std::move(result)});
    current_.reset();
    tx_ = Transaction{};
    if (state_ == State::closed) return;  // the connection failed: fail_connection() goes on
    ++transactions_on_connection_;
    if (close_after) {
        close_connection();
        return;
    }
    become_ready();
}

}  // namespace smtpsec::mta

// See server_session.h. Each rule cites the point of docs/decisions.md it
// implements.
#include "session/server_session.h"

#include "metrics/metrics.h"
#include "wire/layout.h"

#include <fmt/core.h>

#include <algorithm>

namespace smtpsec::session {

Message error_answer(ErrorCode code, std::optional<std::uint32_t> number, std::vector<std::string> unknown) {
    return Message{{}, Error{code, number, std::move(unknown)}};
}

std::uint32_t ServerLimits::messages_bound() const {
    // Message numbers 0 .. bound-1 are answered; a uint24 holds up to 2^24-1.
    constexpr std::uint64_t most = std::uint64_t{1} << 24;
    std::uint64_t n = max_messages_per_connection != 0 ? max_messages_per_connection
                                                       : std::uint64_t{max_emails_per_connection} * 2 + 64;
    return static_cast<std::uint32_t>(std::min(n, most));
}

ServerSession::ServerSession(ServerLimits limits) : limits_(limits) {}

void ServerSession::start() { encode_to(Message{{}, ServerHello{0}}, output_); }

// The counters' labels are the ErrorCodes in their wire order.
static_assert(static_cast<int>(ErrorCode::unknown_address) ==
              static_cast<int>(metrics::InboundRefused::unknown_address));

void ServerSession::answer(std::uint32_t number, ErrorCode code, std::string note, bool close_after) {
    notes_.push_back({number, fmt::format("{}: {}", name_of(code), note)});
    metrics::count(static_cast<metrics::InboundRefused>(static_cast<std::uint8_t>(code)));
    answers_.push_ready(number, error_answer(code, number), close_after);
    close_pending_ = close_pending_ || close_after;
    flush();
}

void ServerSession::flush() {
    if (answers_.flush(output_)) {
        closing_ = true;
        emails_.clear();
        return;
    }
    if (ending_ && !closing_ && answers_.waiting() == 0) {
        // Every accepted Email has a slot: none is left unanswered.
        if (ending_code_) encode_to(error_answer(*ending_code_, std::nullopt), output_);
        closing_ = true;
    }
}

void ServerSession::end_after_answers(std::optional<ErrorCode> code) {
    if (ending_) return;
    ending_ = true;
    ending_code_ = code;
    flush();
}

void ServerSession::end(ErrorCode code) {
    if (closing_) return;
    flush();
    if (closing_) return;  // an answer that closes was already due
    encode_to(error_answer(code, std::nullopt), output_);
    answers_ = AnswerQueue{};
    emails_.clear();
    closing_ = true;
}

void ServerSession::on_event(Framer::Event event) {
    if (!reading()) return;
    if (next_number_ >= limits_.messages_bound()) {
        // D2: the Messages a connection may send are bounded (every type
        // counts). Like end(service_unavailable), but the Emails accepted
        // so far are answered first: their delivery may be under way, and
        // an Email delivered without an answer would be sent again.
        notes_.push_back({next_number_, fmt::format("more than {} Messages on one connection: "
                                                    "ending with service_unavailable",
                                                    limits_.messages_bound())});
        end_after_answers(ErrorCode::service_unavailable);
        return;
    }
    std::uint32_t number = next_number_++;
    if (auto* frame = std::get_if<Framer::Frame>(&event)) {
        auto decoded = decode(frame->bytes);  // DecodeLimits' defaults bound what it allocates
        if (decoded)
            on_message(number, std::move(*decoded));
        else
            on_decode_error(number, decoded.error());
    } else if (auto* over = std::get_if<Framer::Oversized>(&event)) {
        // Point 18: an Email over the limit is answered and skipped; anything
        // else that large ends the connection (thesis 6.4.7; docs/decisions.md,
        // "Errors").
        bool email = over->type == static_cast<std::uint8_t>(MessageType::email);
        answer(number, ErrorCode::too_large,
               fmt::format("{} bytes over the limit of {}", over->size, over->limit), !email);
    } else {
        // Point 4: a size below 11 cannot be framed: answer and close.
        answer(number, ErrorCode::illegal_message, std::get<Framer::Broken>(event).reason, true);
    }
}

void ServerSession::on_decode_error(std::uint32_t number, const DecodeError& error) {
    // An Email before the ClientHello is refused for its timing first.
    if (error.type == MessageType::email && !hello_) {
        answer(number, ErrorCode::illegal_message, "Email before ClientHello");
        return;
    }
    if (error.type == MessageType::email) ++emails_seen_;
    // D6 (thesis 6.4.7): too_large about anything but an Email (a ClientHello
    // over the decoder's chain bounds) closes the connection.
    answer(number, error.code, error.reason,
           error.code == ErrorCode::too_large && error.type != MessageType::email);
}

void ServerSession::on_message(std::uint32_t number, Message message) {
    switch (message.type()) {
    case MessageType::client_hello: {
        auto& hello = std::get<ClientHello>(message.body);
        if (hello_)
            answer(number, ErrorCode::illegal_message, "second ClientHello");
        else if (hello.version != 0)
            answer(number, ErrorCode::illegal_parameter,
                   fmt::format("ClientHello version {} (only 0 is defined)", hello.version));
        else
            hello_ = std::move(hello);
        return;
    }
    case MessageType::email: on_email(number, std::move(message)); return;
    case MessageType::error: {
        // Never answered (an answer to an answer could loop). Amended point
        // 18 (D5): internal_error and service_unavailable end the session;
        // the Emails already accepted are still answered, then we close.
        // Any other code reports a problem with one of our Messages: logged,
        // and the session goes on.
        const auto& e = std::get<Error>(message.body);
        bool ends = e.code == ErrorCode::internal_error || e.code == ErrorCode::service_unavailable;
        notes_.push_back(
            {number, fmt::format("client sent Error {}{}{}", name_of(e.code),
                                 e.message_number ? fmt::format(" about Message {}", *e.message_number)
                                                  : std::string(),
                                 ends ? ": ending the session" : "")});
        if (ends) end_after_answers(std::nullopt);
        return;
    }
    case MessageType::server_hello:
    case MessageType::email_delivered:
        answer(number, ErrorCode::illegal_message,
               fmt::format("{} sent to a server", name_of(message.type())));
        return;
    }
}

void ServerSession::on_email(std::uint32_t number, Message message) {
    if (!hello_) {
        answer(number, ErrorCode::illegal_message, "Email before ClientHello");
        return;
    }
    if (++emails_seen_ > limits_.max_emails_per_connection) {
        answer(number, ErrorCode::service_unavailable,
               fmt::format("more than {} Emails on one connection", limits_.max_emails_per_connection), true);
        return;
    }
    const auto& email = std::get<Email>(message.body);
    if (email.recipients.size() > kMaxRecipientsPerEmail) {
        answer(number, ErrorCode::illegal_parameter,
               fmt::format("{} recipients: an answer lists at most {}", email.recipients.size(),
                           kMaxRecipientsPerEmail));
        return;
    }
    if (email.certificate_chain >= hello_->certificate_chains.size()) {
        answer(number, ErrorCode::illegal_parameter,
               fmt::format("certificate_chain {} but the ClientHello has {} chain(s)",
                           email.certificate_chain, hello_->certificate_chains.size()));
        return;
    }
    const auto& chain = hello_->certificate_chains[email.certificate_chain];
    if (chain.empty()) {
        answer(number, ErrorCode::authentication_failed,
               fmt::format("certificate chain {} is empty", email.certificate_chain));
        return;
    }
    answers_.reserve(number);
    emails_.push_back(IncomingEmail{number, std::move(message), &chain});
}

std::optional<IncomingEmail> ServerSession::take_email() {
    if (emails_.empty()) return std::nullopt;
    IncomingEmail e = std::move(emails_.front());
    emails_.pop_front();
    return e;
}

void ServerSession::complete(std::uint32_t number, const EmailOutcome& outcome) {
    bool close = outcome.error == ErrorCode::service_unavailable ||
                 outcome.error == ErrorCode::internal_error;
    Message reply = outcome.error ? error_answer(*outcome.error, number, outcome.unknown)
                                  : Message{{}, EmailDelivered{number}};
    if (!answers_.fulfil(number, std::move(reply), close)) return;
    if (outcome.error)
        metrics::count(static_cast<metrics::InboundRefused>(static_cast<std::uint8_t>(*outcome.error)));
    else
        metrics::count(metrics::InboundAccepted::email);
    if (close) {
        // The Emails after this one get no answer (point 18): none is taken.
        // Emails are taken in order, so every one still waiting is later.
        emails_.clear();
        answers_.drop_after(number);
    }
    close_pending_ = close_pending_ || close;
    flush();
}

}  // namespace smtpsec::session

// See client_session.h.
#include "session/client_session.h"

#include <fmt/core.h>

namespace smtpsec::session {

ClientSession::ClientSession(std::vector<CertificateChain> chains) : chains_(std::move(chains)) {}

void ClientSession::fail(std::string reason) {
    if (!failed_) failed_ = std::move(reason);
}

void ClientSession::send(std::uint64_t id, Message email) {
    if (!established_) {
        waiting_.emplace_back(id, std::move(email));
        return;
    }
    write_email(id, email);
}

void ClientSession::write_email(std::uint64_t id, const Message& email) {
    encode_to(email, output_);
    in_flight_.push_back({next_number_++, id});
}

void ClientSession::on_event(Framer::Event event) {
    if (failed_) return;
    if (auto* frame = std::get_if<Framer::Frame>(&event)) {
        auto decoded = decode(frame->bytes);
        if (!decoded) {
            fail(fmt::format("malformed Message from the server: {}: {}", name_of(decoded.error().code),
                             decoded.error().reason));
            return;
        }
        on_message(std::move(*decoded));
    } else if (std::holds_alternative<Framer::Oversized>(event)) {
        fail("the server sent an oversized Message");
    } else {
        fail("the server's stream cannot be framed: " + std::get<Framer::Broken>(event).reason);
    }
}

void ClientSession::on_message(Message message) {
    switch (message.type()) {
    case MessageType::server_hello:
        if (established_) {
            fail("second ServerHello");
            return;
        }
        // Point 18: any ServerHello version is accepted; we speak 0.
        established_ = true;
        encode_to(Message{{}, ClientHello{0, chains_}}, output_);
        ++next_number_;  // the ClientHello is our Message 0
        while (!waiting_.empty()) {
            if (output_hook_) output_hook_();
            write_email(waiting_.front().first, waiting_.front().second);
            waiting_.pop_front();
        }
        return;
    case MessageType::email_delivered: {
        auto number = std::get<EmailDelivered>(message.body).email;
        if (in_flight_.empty() || in_flight_.front().number != number) {
            fail(fmt::format("EmailDelivered for Message {} out of order", number));
            return;
        }
        answers_.push_back({in_flight_.front().id, std::nullopt, {}});
        in_flight_.pop_front();
        return;
    }
    case MessageType::error: on_error(std::get<Error>(message.body)); return;
    default: fail(fmt::format("the server sent a {}", name_of(message.type())));
    }
}

void ClientSession::on_error(const Error& error) {
    // Amended point 18 (D5): only internal_error and service_unavailable end
    // the session; any other Error is logged and the session goes on.
    const bool ends = error.code == ErrorCode::service_unavailable || error.code == ErrorCode::internal_error;
    const auto& about = error.message_number;
    // An Error referencing an Email we sent is that Email's answer, whatever
    // its code (docs/decisions.md point 18: every Email gets exactly one
    // answer, in order).
    if (about && *about != 0 && !in_flight_.empty() && *about >= in_flight_.front().number &&
        *about <= in_flight_.back().number) {
        if (*about != in_flight_.front().number) {
            fail(fmt::format("Error {} for Message {} out of order", name_of(error.code), *about));
            return;
        }
        answers_.push_back({in_flight_.front().id, error.code, error.unknown_addresses});
        in_flight_.pop_front();
        // Thesis 6.4.7 and point 18: after these the server closes.
        if (ends) fail(fmt::format("the server sent {} and closes", name_of(error.code)));
        return;
    }
    if (ends) {
        fail(fmt::format("the server sent {}{} and closes", name_of(error.code),
                         about ? fmt::format(" about Message {}", *about) : std::string()));
        return;
    }
    if (about && *about == 0 && established_) {
        // Not the Error that ends the session: our own decision. Without an
        // accepted ClientHello every Email on this connection would be
        // refused ("Email before ClientHello") and bounced although nothing
        // is wrong with it; ending here has the Emails in flight retried.
        fail(fmt::format("the server refused our ClientHello: {}", name_of(error.code)));
        return;
    }
    // About nothing we sent, or about nothing at all: a report, no answer.
    notes_.push_back(fmt::format("the server sent Error {}{}", name_of(error.code),
                                 about ? fmt::format(" about Message {}, which awaits no answer", *about)
                                       : std::string(" without a reference")));
    // Each is logged: a server sending them without end is cut off.
    if (++stray_errors_ > kMaxStrayErrors)
        fail(fmt::format("the server sent more than {} Errors that answer no Email", kMaxStrayErrors));
}

std::optional<EmailAnswer> ClientSession::take_answer() {
    if (answers_.empty()) return std::nullopt;
    EmailAnswer a = std::move(answers_.front());
    answers_.pop_front();
    return a;
}

std::vector<std::uint64_t> ClientSession::abandon() {
    std::vector<std::uint64_t> ids;
    for (const auto& s : in_flight_) ids.push_back(s.id);
    for (const auto& w : waiting_) ids.push_back(w.first);
    in_flight_.clear();
    waiting_.clear();
    return ids;
}

}  // namespace smtpsec::session

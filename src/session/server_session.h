// The server side of an SMTPsec connection as a pure state machine
// (docs/decisions.md points 15-18): no sockets, no clocks, no DNS. The I/O driver
// feeds it framer events, takes the Emails it accepts, reports each Email's
// outcome, and writes out what it queues. Tests drive it byte for byte.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "session/answer_queue.h"
#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

namespace smtpsec::session {

struct ServerLimits {
    std::uint64_t max_message_size = 64ull << 20;  // docs/decisions.md point 18 default
    std::uint32_t max_emails_per_connection = 1000;
    // Messages of every type on one connection (D2 in docs/protocol.md):
    // an answer references a Message by a uint24 number (docs/decisions.md
    // point 6), so without a bound about 2^24 small malformed Messages would
    // give an answer no encoder can write. 0: twice the Emails plus 64 (room
    // for a ClientHello and an Error or a mistake per Email), never above 2^24.
    std::uint32_t max_messages_per_connection = 0;

    std::uint32_t messages_bound() const;
};

// The most recipients an Email may have: an unknown_address Error lists the
// refused ones in an Address<0..2^16-1> vector (docs/decisions.md point 6), and
// an Email whose answer could not be written must not be delivered.
inline constexpr std::size_t kMaxRecipientsPerEmail = 65535;

// An Email that passed framing, decoding and the session's own checks; the
// driver authenticates and delivers it, then calls complete().
struct IncomingEmail {
    std::uint32_t number = 0;                 // its Message number (point 15)
    Message message;                          // body holds an Email
    const CertificateChain* chain = nullptr;  // the chain it names, non-empty

    const Email& email() const { return std::get<Email>(message.body); }
};

// What became of an Email.
struct EmailOutcome {
    std::optional<ErrorCode> error;    // none: delivered to every recipient
    std::vector<std::string> unknown;  // with unknown_address
    static EmailOutcome delivered() { return {}; }
    static EmailOutcome unknown_addresses(std::vector<std::string> list) {
        return {ErrorCode::unknown_address, std::move(list)};
    }
    static EmailOutcome failed(ErrorCode code) { return {code, {}}; }
};

// Something a person should read in the log about this connection.
struct SessionNote {
    std::uint32_t number;
    std::string text;
};

class ServerSession {
public:
    explicit ServerSession(ServerLimits limits = {});

    // Queues the ServerHello (point 17: the server speaks first).
    void start();

    // Handles one framer event from the client.
    void on_event(Framer::Event event);

    // The next accepted Email, in arrival order.
    std::optional<IncomingEmail> take_email();

    // Reports the outcome of an Email taken earlier. service_unavailable and
    // internal_error close the connection once answered (point 18).
    void complete(std::uint32_t number, const EmailOutcome& outcome);

    // Ends the connection from the server's side (thesis 6.4.7, in short in
    // docs/decisions.md: service_unavailable "can be sent by b.com at any
    // time ... The connection will be closed"): the answers ready so far go
    // out, then an Error with no message reference, and closing() turns true.
    // Emails not answered by then get no answer; the client sends them again
    // (point 18).
    void end(ErrorCode code);

    // Bytes to send; the driver writes them out and clears the vector.
    std::vector<std::uint8_t>& output() { return output_; }

    // No more input is wanted: close once output() is written.
    bool closing() const { return closing_; }
    // No further Message is read: the session is closing, or its end is
    // known and waits for the answers owed (the driver stops reading).
    bool reading() const { return !closing_ && !close_pending_ && !ending_; }
    // The session will end and no accepted Email is left to take: the
    // driver takes nothing more. Emails accepted before an answer that
    // closes (e.g. the one past max_emails_per_connection) are still taken
    // and answered first, in order (point 17); those after it never are.
    bool will_close() const { return closing_ || ((close_pending_ || ending_) && emails_.empty()); }
    // Answers owed for Messages already taken or answered but not yet sent:
    // the driver's window. An answer waits for every earlier one (point 17),
    // so this, and not the deliveries still running, bounds how far the
    // driver may work ahead of what the client has been told.
    std::size_t answers_owed() const {
        return answers_.waiting() > emails_.size() ? answers_.waiting() - emails_.size() : 0;
    }
    // The client may close cleanly: every Email it sent has been answered.
    bool all_answered() const { return answers_.waiting() == 0 && emails_.empty(); }

    // Accepted Emails not yet taken.
    std::size_t pending_emails() const { return emails_.size(); }

    std::vector<SessionNote>& notes() { return notes_; }
    std::uint32_t messages_received() const { return next_number_; }

private:
    void on_message(std::uint32_t number, Message message);
    void on_decode_error(std::uint32_t number, const DecodeError& error);
    void on_email(std::uint32_t number, Message message);
    void answer(std::uint32_t number, ErrorCode code, std::string note, bool close_after = false);
    void flush();
    void end_after_answers(std::optional<ErrorCode> code);

    ServerLimits limits_;
    std::uint32_t next_number_ = 0;
    std::uint32_t emails_seen_ = 0;
    std::optional<ClientHello> hello_;
    std::deque<IncomingEmail> emails_;
    AnswerQueue answers_;
    std::vector<std::uint8_t> output_;
    std::vector<SessionNote> notes_;
    bool closing_ = false;
    bool close_pending_ = false;
    // The session ends once every Email accepted so far is answered, then
    // with `ending_code_` (unreferenced) if any: past the Message bound
    // (D2), or after the client's own internal_error/service_unavailable.
    bool ending_ = false;
    std::optional<ErrorCode> ending_code_;
};

// An Error Message answering Message `number`.
Message error_answer(ErrorCode code, std::optional<std::uint32_t> number,
                     std::vector<std::string> unknown = {});

}  // namespace smtpsec::session

// The client side of an SMTPsec connection as a pure state machine
// (docs/decisions.md points 15-18): waits for the ServerHello, answers with the
// ClientHello, pipelines Emails, and pairs every answer with the Email it
// references. The I/O driver moves bytes and decides what failures mean.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

namespace smtpsec::session {

// The server's answer to one Email.
struct EmailAnswer {
    std::uint64_t id = 0;              // the caller's id for the Email
    std::optional<ErrorCode> error;    // none: EmailDelivered
    std::vector<std::string> unknown;  // with unknown_address
};

class ClientSession {
public:
    explicit ClientSession(std::vector<CertificateChain> chains);

    // Handles one framer event from the server.
    void on_event(Framer::Event event);

    // Queues an Email Message (body Email, extensions as wanted). It is
    // written at once if the handshake is done, else right after the ClientHello.
    void send(std::uint64_t id, Message email);

    std::vector<std::uint8_t>& output() { return output_; }
    // Called before each Email queued before the handshake is written, so
    // that the driver takes what output() holds so far and every Email is
    // encoded into a buffer of its own: joined, each Email's encoding would
    // copy all the earlier ones.
    void on_output(std::function<void()> hook) { output_hook_ = std::move(hook); }
    std::optional<EmailAnswer> take_answer();

    // The ServerHello has arrived and the ClientHello is queued.
    bool established() const { return established_; }
    // The connection is no longer usable: the server closed it on purpose or
    // broke the protocol. Unanswered Emails must be retried (see abandon()).
    bool failed() const { return failed_.has_value(); }
    const std::string& failure() const { return *failed_; }
    // Errors from the server that answer no Email (D5: logged, the session
    // goes on); the driver logs and clears them.
    std::vector<std::string>& notes() { return notes_; }
    // Sent but not yet answered.
    std::size_t in_flight() const { return in_flight_.size() + waiting_.size(); }

    // The ids of every Email sent or queued and not answered; clears them.
    std::vector<std::uint64_t> abandon();

private:
    void fail(std::string reason);
    void on_message(Message message);
    void on_error(const Error& error);
    void write_email(std::uint64_t id, const Message& email);

    std::vector<CertificateChain> chains_;
    bool established_ = false;
    std::uint32_t next_number_ = 0;  // our Messages, as the server counts them
    struct Sent {
        std::uint32_t number;
        std::uint64_t id;
    };
    std::deque<Sent> in_flight_;
    std::deque<std::pair<std::uint64_t, Message>> waiting_;  // before the handshake
    std::deque<EmailAnswer> answers_;
    std::vector<std::uint8_t> output_;
    std::optional<std::string> failed_;
    std::function<void()> output_hook_;
    std::vector<std::string> notes_;
    std::uint32_t stray_errors_ = 0;
    static constexpr std::uint32_t kMaxStrayErrors = 16;
};

}  // namespace smtpsec::session

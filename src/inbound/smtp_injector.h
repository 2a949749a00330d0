// The SMTP client that hands authenticated mail to the local MTA (issue 4,
// re-injection; decisions point 18), e.g. a Postfix smtpd on 127.0.0.1:10026
// without milters. Non-blocking on the gateway's libev loop.
//
// Why a client of our own: the listener answers the SMTPsec peer only after
// the MTA's final reply, per Email, with per-recipient outcomes; that needs
// the exact reply of every RCPT and of the end of DATA.
//
// Behaviour:
// - One connection, kept open between messages (closed with QUIT after
//   `idle` seconds unused); requests queue and go one at a time.
// - EHLO; with PIPELINING, [RSET] MAIL + every RCPT + DATA go in one write.
//   RSET is sent only when the previous transaction did not end with a reply
//   to the final dot.
// - MAIL FROM is the caller's: the SMTPsec Email carries no envelope sender,
//   so the receiving gateway uses the authenticated From address (and the
//   queue uses "" for bounces).
// - All or nothing on temporary failures (point 18: nothing half-delivered):
//   if any RCPT gets 4xx, the message is not sent; if DATA was already
//   accepted (354, pipelined) the connection is dropped without the final
//   dot, which makes the MTA discard the transaction. 5xx recipients are
//   reported and the others still get the message.
// - SMTPUTF8 is requested when an address or a header field is non-ASCII.
//   If the MTA does not offer it the message fails PERMANENTLY with that
//   reason: retrying will not give the MTA the extension, downgrading
//   (RFC 6857) would change signed content, and a bounce names the cause.
//   BODY=8BITMIME is declared when offered and any byte is 8-bit; an MTA
//   without 8BITMIME still gets the bytes (Postfix and Sendmail take them).
// - SIZE= is sent when the MTA offers SIZE.
// - Connection failures (refused, timeout, greeting or EHLO not accepted)
//   fail every queued message temporarily at once: they share the cause.
//   A kept-alive connection found dead before the first reply to a message
//   is replaced once, transparently.
// - delivered is true only when the reply to the final dot is 250.
//
// The callback runs from the loop, never from inside send(). It may call
// send() or destroy the injector. Destroying the injector drops queued
// requests without calling their callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event/io_watcher.h"
#include "event/loop.h"
#include "event/timer.h"
#include "imf/dot_stuff.h"
#include "inbound/smtp_commands.h"
#include "inbound/smtp_reply.h"
#include "net/socket.h"
#include "net/unique_fd.h"
#include "smtpsec/bytes.h"

namespace smtpsec::inbound {

struct InjectorConfig {
    std::string address;  // numeric IPv4 or IPv6 of the MTA's re-injection listener
    std::uint16_t port = 10026;
    std::string helo_name;  // our host name, sent in EHLO
    struct Timeouts {
        using Seconds = std::chrono::duration<double>;
        Seconds connect{10};
        Seconds reply{60};        // greeting, EHLO, RSET, MAIL, RCPT, DATA, QUIT
        Seconds data_write{60};   // no progress while sending the message
        Seconds final_reply{600}; // after the final dot (RFC 5321 4.5.3.2.6: 10 min)
        Seconds idle{30};         // an unused connection is closed after this
    } timeouts;
};

struct InjectRequest {
    std::string mail_from;                // bare addr-spec, "" for the null sender
    std::vector<std::string> recipients;  // bare addr-specs
    std::vector<Bytes> message;           // pieces; concatenated: the message, CRLF, not dot-stuffed
};

enum class RecipientStatus { accepted, permanent_failure, temporary_failure };

struct RecipientResult {
    std::string address;
    RecipientStatus status = RecipientStatus::temporary_failure;
    int code = 0;      // the SMTP reply code that decided it (0: none, e.g. connection lost)
    std::string text;  // that reply, or our reason
};

struct InjectResult {
    bool delivered = false;          // the final reply was 250
    bool temporary_failure = false;  // not delivered, and worth retrying
    bool all_recipients_refused = false;  // MAIL accepted, then every RCPT got 5xx (or was unusable)
    std::string reason;              // for the log
    std::vector<RecipientResult> recipients;  // in request order
};

class SmtpInjector {
public:
    using Callback = std::function<void(InjectResult)>;

    // Throws std::invalid_argument if the address or HELO name is unusable
    // (a start-up configuration error). Connects only when there is work.
    SmtpInjector(event::Loop& loop, InjectorConfig config);
    ~SmtpInjector();
    SmtpInjector(const SmtpInjector&) = delete;
    SmtpInjector& operator=(const SmtpInjector&) = delete;

    void send(InjectRequest request, Callback done);

    std::size_t pending() const { return queue_.size() + (current_ ? 1 : 0); }
    bool connected() const { return phase_ != Phase::closed; }
    // Messages completed on the current connection (for tests and logs).
    unsigned transactions_on_connection() const { return transactions_on_connection_; }

private:
    enum class Phase { closed, connecting, greeting, ehlo, ready, transaction, data_body, final_reply, quitting };
    enum class Expect { greeting, ehlo, rset, mail, rcpt, data, final_dot, quit };
    struct Pending {
        InjectRequest request;
        Callback done;
        bool retried = false;
    };
    struct Command {
        std::string text;
        Expect expect;
    };
    struct Transaction {
        std::vector<RecipientResult> results;
        std::vector<std::size_t> sent;  // indexes of recipients given in RCPT, in order
        std::size_t rcpt_replies = 0;
        std::optional<SmtpReply> mail_reply;
        bool any_reply = false;
        std::size_t piece = 0;
        std::size_t piece_offset = 0;
        imf::DotStuffer stuffer;
        bool body_done = false;
        bool all_recipients_refused_marker = false;
    };

    void start_next();
    void start_next_once();
    void connect();
    void begin_transaction();
    void queue_command(std::string text, Expect expect);
    void pump_commands();
    void on_io(int revents);
    void on_timer();
    void on_connected();
    void read_available();
    void on_reply(const SmtpReply& reply);
    void after_last_rcpt();
    void on_data_reply(const SmtpReply& reply);
    void flush();
    bool refill_body();
    void watch(bool want_write);
    void arm(InjectorConfig::Timeouts::Seconds after);

    bool should_send_body() const;
    void finish_without_data(const SmtpReply* data_reply, bool close_after);
    void finish_after_data(const SmtpReply& final_reply);
    void demote_accepted(RecipientStatus status, int code, const std::string& text);
    void finish(bool delivered, bool temporary, std::string reason, bool close_after);
    void fail_connection(const std::string& reason);
    void close_connection();
    void complete(Pending pending, InjectResult result);
    void deliver_completions();
    void contain(const std::function<void()>& body) noexcept;

    event::Loop& loop_;
    InjectorConfig config_;
    net::Endpoint endpoint_;

    std::deque<Pending> queue_;
    std::optional<Pending> current_;
    Transaction tx_;
    std::deque<std::pair<Callback, InjectResult>> completed_;

    net::UniqueFd fd_;
    event::IoWatcher io_;
    event::Timer timer_;
    event::Timer deliver_timer_;
    Phase phase_ = Phase::closed;
    bool watching_write_ = false;
    ReplyParser parser_;
    std::deque<SmtpReply> replies_;
    std::deque<Command> to_send_;
    std::deque<Expect> awaiting_;
    std::string out_;
    std::size_t out_pos_ = 0;
    EhloCapabilities caps_;
    bool needs_rset_ = false;
    unsigned transactions_on_connection_ = 0;
    bool starting_ = false;
    bool restart_ = false;
    unsigned generation_ = 0;  // bumped by close_connection: stale callers stop
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsec::inbound

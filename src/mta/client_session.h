// The SMTP client to the local MTA as a pure state machine (no sockets, no
// clock): it takes the MTA's reply bytes and says what to write, when to
// connect or close, which timeout runs, and each message's Result. The
// driver (mta/injector.h) moves the bytes and runs the timers; the tests
// (tests/mta/) feed it whole transcripts.
//
// Used to re-inject authenticated SMTPsec mail (docs/decisions.md point 18 in
// docs/protocol.md) and, by the queue, to hand mail back and send DSNs, e.g.
// to a Postfix smtpd on 127.0.0.1:10026 without milters.
//
// Behaviour:
// - One connection, kept open between messages (closed with QUIT when the
//   idle timeout fires); requests queue and go one at a time.
// - EHLO; with PIPELINING (RFC 2920), [RSET] MAIL + every RCPT + DATA go in
//   one write. RSET is sent only when the previous transaction did not end
//   with a reply to the final dot.
// - MAIL FROM is the caller's: the SMTPsec Email carries no envelope sender,
//   so the receiving gateway uses the authenticated From address (and the
//   queue uses "" for bounces).
// - All or nothing on temporary failures (point 18: nothing half-delivered):
//   if any RCPT gets 4xx, the message is not sent; if DATA was already
//   accepted (354, pipelined) the connection is dropped without the final
//   dot, which makes the MTA discard the transaction. 5xx recipients are
//   reported and the others still get the message.
// - SMTPUTF8 (RFC 6531) is requested when an address or a header field is
//   non-ASCII. If the MTA does not offer it the message is refused unsent:
//   retrying will not give the MTA the extension, downgrading (RFC 6857)
//   would change signed content, and a bounce names the cause.
//   BODY=8BITMIME (RFC 6152) is declared when offered and any byte is
//   8-bit; an MTA without 8BITMIME still gets the bytes (Postfix and
//   Sendmail take them). SIZE= (RFC 1870) is sent when the MTA offers SIZE.
// - Connection failures (refused, timeout, greeting or EHLO not accepted)
//   defer every queued message at once: they share the cause. A kept-alive
//   connection found dead before the first reply to a message is replaced
//   once, transparently.
// - A message is delivered only when the reply to the final dot is 250.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imf/dot_stuff.h"
#include "mta/commands.h"
#include "mta/reply.h"
#include "mta/request.h"

namespace smtpsec::mta {

class ClientSession {
public:
    enum class State {
        closed,        // no connection
        connecting,    // the driver is opening one
        greeting,      // connected; waiting for the 220
        ehlo,          // EHLO sent
        ready,         // between messages (the idle timeout runs)
        transaction,   // [RSET] MAIL, RCPT and DATA sent or being sent
        sending_body,  // DATA got 354: the message is being written
        final_reply,   // the final dot is written; waiting for its reply
        quitting,      // QUIT sent
    };
    // Which timeout the driver runs now (it restarts it whenever told).
    enum class Timeout { none, connect, reply, data_write, final_reply, idle };

    struct Finished {
        std::uint64_t id = 0;  // the caller's, from submit()
        Result result;
    };

    // `helo_name` goes into EHLO; `peer` ("127.0.0.1:10026") into reasons.
    ClientSession(std::string helo_name, std::string peer);

    // --- inputs ---------------------------------------------------------
    // A message to hand over. Requests SMTP cannot carry finish at once.
    void submit(std::uint64_t id, Request request);
    // The connection asked for by take_connect() is up, or could not be made.
    void connected();
    void connect_failed(const std::string& reason);
    // Bytes read from the MTA; `then_lost` when that read also found the
    // connection ended (EOF or an error): why, as for lost(). A reply in
    // `bytes` that made us close the connection (221, 421) makes that moot.
    void received(std::string_view bytes, std::optional<std::string> then_lost = std::nullopt);
    // The connection ended: the MTA closed it, a read or write failed, or a
    // fault happened while talking to it. `reason` says which, for results.
    void lost(const std::string& reason);
    // The timeout last asked for (take_timer) has expired.
    void timed_out();
    // `n` bytes of to_write() went out.
    void wrote(std::size_t n);

    // --- outputs (the driver acts on them after every input) -------------
    // Close the connection now (before any connect asked for below).
    bool take_close();
    // Open a new connection now, then call connected() or connect_failed().
    bool take_connect();
    // Restart the timer for this timeout (none: stop it).
    std::optional<Timeout> take_timer();
    // What to write next; the message is produced chunk by chunk as wrote() drains it.
    std::string_view to_write() const { return std::string_view(out_).substr(out_pos_); }
    // Messages finished, in order.
    std::vector<Finished> take_finished();

    State state() const { return state_; }
    std::size_t pending() const { return queue_.size() + (current_ ? 1 : 0); }
    // Messages completed on the current connection (for tests and logs).
    unsigned transactions_on_connection() const { return transactions_on_connection_; }
    // The command whose reply is awaited ("EHLO", "the final dot"), for logs.
    std::string_view awaiting() const;

private:
    enum class Command { greeting, ehlo, rset, mail, rcpt, data, final_dot, quit };
    struct Pending {
        std::uint64_t id = 0;
        Request request;
    };
    // One message's exchange. While it runs, a recipient's outcome
    // `delivered` means its RCPT was accepted; it stays so only if the final
    // dot gets 250.
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
    };

    void advance();
    void end_connection(const std::string& reason);
    void begin_transaction();
    void send_command(std::string text, Command command);
    void pump_commands();
    void on_reply(const SmtpReply& reply);
    void on_rcpt_reply(const SmtpReply& reply);
    void on_data_reply(const SmtpReply& reply);
    bool should_send_body() const;
    void refill_body();
    void finish_without_data(const SmtpReply* data_reply, bool close_after);
    void finish_after_data(const SmtpReply& reply);
    void demote_accepted(Outcome outcome, int code, const std::string& text);
    void finish(Outcome outcome, Step step, std::string reason, bool close_after);
    void become_ready();
    void connect();
    void close_connection();
    void fail_connection(const std::string& reason);
    void arm(Timeout timeout) { timer_ = timeout; }

    const std::string helo_name_;
    const std::string peer_;

    std::deque<Pending> queue_;
    std::optional<Pending> current_;
    Transaction tx_;
    std::vector<Finished> finished_;

    State state_ = State::closed;
    ReplyParser parser_;
    std::deque<SmtpReply> replies_;
    std::deque<std::pair<std::string, Command>> to_send_;  // not yet written (no PIPELINING)
    std::deque<Command> awaiting_;                         // written, reply not yet read (RFC 2920 order)
    std::string out_;
    std::size_t out_pos_ = 0;
    EhloCapabilities caps_;
    bool needs_rset_ = false;  // the MTA still holds the last transaction
    unsigned transactions_on_connection_ = 0;

    bool close_ = false;
    bool connect_ = false;
    std::optional<Timeout> timer_;
};

std::string_view name_of(ClientSession::State state);

}  // namespace smtpsec::mta

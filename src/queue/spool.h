// The durable queue on disk: one entry per accepted message.
//
// Why: the milter tells the MTA "taken over" only after accept() returned,
// so a SIGKILL at any moment may lose nothing that was acknowledged.
//
// Layout under the directory:
//   tmp/          files being written (never part of an entry)
//   active/ID.msg the message, CRLF, as it must reach the recipient
//   active/ID.env the envelope and per-recipient state (envelope.h)
//   corrupt/      entries found unreadable at start-up, kept for the operator
//   queue.lock    flock(2)ed around every change of an existing entry
// An entry exists iff its .env exists. accept() writes and fsyncs both tmp
// files, renames the .msg into active/ and then the .env, and fsyncs active/
// once (group-committed with concurrent accepts) before it returns: three
// fsyncs per message, shared where threads overlap. A crash before that
// fsync leaves at most an unacknowledged entry (removed or set aside by
// recover()); the MTA still holds the mail then.
//
// Changes of existing entries (the runner, and smtpsec-queue while the daemon
// runs) are read-modify-write under the lock, so neither overwrites the
// other's change. Thread-safe.
#pragma once

#include <fmt/core.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/unique_fd.h"
#include "queue/durable_file.h"
#include "queue/envelope.h"
#include "smtpsec/expected.h"

namespace smtpsec::queue {

struct NewRecipient {
    std::string as_given;  // as the MTA gave it, e.g. "<bob@b.test>"
    std::string address;   // bare addr-spec
    std::string domain;
};

struct NewMessage {
    std::string mta_queue_id;
    std::string sender;       // bare addr-spec, "" for the null sender
    std::string from_domain;  // the signing domain
    std::vector<NewRecipient> recipients;
    std::string message;  // RFC 5322, CRLF (or its first part, see body)
    std::string body;     // written right after `message` (the milter's two pieces)
    bool require_security = false;
    ForwardKind forward = ForwardKind::none;  // docs/forwarding.md
    ForwardSignature forward_signature;
    bool tls_suffices = false;  // see Envelope
};

// Why an operation on one entry failed. not_found: there is no such entry
// (it never existed, the operator removed it, or the name is no queue id),
// which callers take as "nothing left to do"; io_error: the entry exists but
// could not be read or written, which is worth an error in the log. `text`
// says which file and why; it is what the error logs as.
struct SpoolError {
    enum class Kind { not_found, io_error };
    Kind kind = Kind::io_error;
    std::string text;

    static SpoolError missing() { return {Kind::not_found, "not found"}; }
    static SpoolError io(std::string text) { return {Kind::io_error, std::move(text)}; }
    bool not_found() const { return kind == Kind::not_found; }
};

struct RecoveryReport {
    std::size_t removed_tmp = 0;      // half-written files in tmp/
    std::size_t removed_orphans = 0;  // .msg without .env (never acknowledged)
    std::size_t moved_corrupt = 0;    // unreadable .env, or .env without .msg
};

class Spool {
public:
    // Creates the directory layout if missing (only the subdirectories when
    // !create_directory: a tool must not create a mistyped queue). Throws
    // std::runtime_error if the directory is unusable (start-up error).
    explicit Spool(std::string directory, bool create_directory = true);

    const std::string& directory() const { return directory_; }

    // Durable when it returns an id.
    Expected<std::string, std::string> accept(const NewMessage& message);

    // Start-up clean-up. Only while nothing is accepting (the daemon calls it
    // before the milter starts): an accept() in progress looks like debris.
    RecoveryReport recover();

    // Ids of all entries, sorted (that is, by arrival).
    std::vector<std::string> list() const;
    Expected<Envelope, SpoolError> load(const std::string& id) const;
    Expected<std::string, SpoolError> read_message(const std::string& id) const;
    // Size of the .msg in bytes (0 if unreadable).
    std::uint64_t message_size(const std::string& id) const;

    // Under the lock: loads the entry, calls `change`, and if it returns true
    // writes the envelope back atomically. Returns the envelope as stored
    // afterwards, or why not (not_found when the entry does not exist).
    using Change = std::function<bool(Envelope&)>;
    Expected<Envelope, SpoolError> update(const std::string& id, const Change& change);

    // Under the lock: removes the .env (the entry ends there), then the .msg,
    // without waiting for the disk (a power loss may bring the entry back).
    // Returns false if the entry did not exist.
    bool remove(const std::string& id);

private:
    class Lock;
    std::string env_path(const std::string& id) const;
    std::string msg_path(const std::string& id) const;
    Expected<Done, std::string> store_envelope(const Envelope& envelope);

    std::string directory_;
    std::string tmp_;
    std::string active_;
    std::string corrupt_;
    net::UniqueFd lock_fd_;
    std::unique_ptr<DirectorySync> active_sync_;
    mutable std::mutex mutex_;  // flock does not exclude threads sharing lock_fd_
};

}  // namespace smtpsec::queue

// A SpoolError in a log line or message is its text.
template <>
struct fmt::formatter<smtpsec::queue::SpoolError> {
    constexpr auto parse(fmt::format_parse_context& context) { return context.begin(); }
    template <class Context>
    auto format(const smtpsec::queue::SpoolError& error, Context& context) const {
        return fmt::format_to(context.out(), "{}", error.text);
    }
};

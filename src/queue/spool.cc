// See spool.h.
#include "queue/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "log/log.h"
#include "queue/queue_id.h"

namespace smtpsec::queue {
namespace {

std::vector<std::string> names_in(const std::string& directory) {
    std::vector<std::string> out;
    DIR* dir = ::opendir(directory.c_str());
    if (!dir) return out;
    while (auto* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") out.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end());
    return out;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// Both the in-process mutex and the flock: threads share one descriptor, and
// flock only excludes other open file descriptions (smtpsec-queue).
class Spool::Lock {
public:
    explicit Lock(const Spool& spool) : guard_(spool.mutex_), fd_(spool.lock_fd_.get()) {
        while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    ~Lock() { ::flock(fd_, LOCK_UN); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

private:
    std::lock_guard<std::mutex> guard_;
    int fd_;
};

Spool::Spool(std::string directory, bool create_directory)
    : directory_(std::move(directory)),
      tmp_(directory_ + "/tmp"),
      active_(directory_ + "/active"),
      corrupt_(directory_ + "/corrupt") {
    ensure_directory(directory_, create_directory);
    ensure_directory(tmp_);
    ensure_directory(active_);
    ensure_directory(corrupt_);
    std::string lock_path = directory_ + "/queue.lock";
    lock_fd_ = net::UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock_fd_) throw std::runtime_error(lock_path + ": " + std::strerror(errno));
    active_sync_ = std::make_unique<DirectorySync>(active_);
}

std::string Spool::env_path(const std::string& id) const { return active_ + "/" + id + ".env"; }
std::string Spool::msg_path(const std::string& id) const { return active_ + "/" + id + ".msg"; }

Expected<std::string, std::string> Spool::accept(const NewMessage& m) {
    if (m.recipients.empty()) return Unexpected<std::string>{"no recipients"};
    Envelope e;
    e.mta_queue_id = m.mta_queue_id;
    e.sender = m.sender;
    e.from_domain = m.from_domain;
    e.arrival = unix_now();
    e.require_security = m.require_security;
    e.forward = m.forward;
    e.forward_signature = m.forward_signature;
    e.tls_suffices = m.require_security && m.tls_suffices;
    for (const auto& r : m.recipients) {
        Recipient rec;
        rec.as_given = r.as_given;
        rec.address = r.address;
        rec.domain = r.domain;
        rec.next_attempt = e.arrival;
        e.recipients.push_back(std::move(rec));
    }
    // Ids are unique in practice; O_EXCL on the tmp file is the final guard.
    std::string tmp_msg;
    for (int tries = 0; tries < 10; ++tries) {
        e.id = make_queue_id();
        tmp_msg = tmp_ + "/" + e.id + ".msg";
        if (!exists(env_path(e.id)) && !exists(tmp_msg)) break;
    }
    auto written = write_new_file_synced(tmp_msg, m.message, m.body);
    if (!written) return Unexpected<std::string>{written.error()};
    std::string tmp_env = tmp_ + "/" + e.id + ".env";
    auto env_written = write_new_file_synced(tmp_env, to_json(e));
    if (!env_written) {
        ::unlink(tmp_msg.c_str());
        return Unexpected<std::string>{env_written.error()};
    }
    // The .msg goes into place before the .env (an entry exists iff its
    // .env does); one directory fsync then makes both renames durable.
    auto undo = [&](const std::string& why) {
        ::unlink(tmp_msg.c_str());
        ::unlink(tmp_env.c_str());
        ::unlink(env_path(e.id).c_str());
        ::unlink(msg_path(e.id).c_str());
        return Unexpected<std::string>{why};
    };
    if (::rename(tmp_msg.c_str(), msg_path(e.id).c_str()) != 0)
        return undo(msg_path(e.id) + ": rename: " + std::strerror(errno));
    if (::rename(tmp_env.c_str(), env_path(e.id).c_str()) != 0)
        return undo(env_path(e.id) + ": rename: " + std::strerror(errno));
    if (auto synced = active_sync_->sync(); !synced) return undo(synced.error());
    return e.id;
}

RecoveryReport Spool::recover() {
    Lock lock(*this);
    RecoveryReport report;
    for (const auto& name : names_in(tmp_)) {
        if (::unlink((tmp_ + "/" + name).c_str()) == 0) ++report.removed_tmp;
    }
    auto names = names_in(active_);
    auto has = [&](const std::string& n) { return std::binary_search(names.begin(), names.end(), n); };
    for (const auto& name : names) {
        if (ends_with(name, ".msg")) {
            std::string id = name.substr(0, name.size() - 4);
            if (!has(id + ".env") && ::unlink((active_ + "/" + name).c_str()) == 0) {
                ++report.removed_orphans;
                log::info("queue: removed {} (its envelope was never written)", name);
            }
        } else if (ends_with(name, ".env")) {
            std::string id = name.substr(0, name.size() - 4);
            auto loaded = load(id);
            if (loaded && has(id + ".msg")) continue;
            // Only a damaged file system gets here: keep the files for the operator.
            log::error("queue: {}: moved to {}: {}", id, corrupt_,
                       loaded ? std::string("message file missing") : loaded.error().text);
            ::rename((active_ + "/" + name).c_str(), (corrupt_ + "/" + name).c_str());
            if (has(id + ".msg")) ::rename(msg_path(id).c_str(), (corrupt_ + "/" + id + ".msg").c_str());
            ++report.moved_corrupt;
        }
    }
    (void)fsync_directory(active_);
    return report;
}

std::vector<std::string> Spool::list() const {
    std::vector<std::string> ids;
    for (const auto& name : names_in(active_))
        if (ends_with(name, ".env")) ids.push_back(name.substr(0, name.size() - 4));
    return ids;
}

Expected<Envelope, SpoolError> Spool::load(const std::string& id) const {
    if (!is_queue_id(id)) return Unexpected{SpoolError::missing()};
    auto text = read_whole_file(env_path(id));
    if (!text) {
        if (!exists(env_path(id))) return Unexpected{SpoolError::missing()};
        return Unexpected{SpoolError::io(text.error())};
    }
    auto e = envelope_from_json(*text);
    if (!e) return Unexpected{SpoolError::io(env_path(id) + ": " + e.error())};
    if (e->id != id) return Unexpected{SpoolError::io(env_path(id) + ": id does not match the file name")};
    return std::move(*e);
}

Expected<std::string, SpoolError> Spool::read_message(const std::string& id) const {
    if (!is_queue_id(id)) return Unexpected{SpoolError::missing()};
    auto text = read_whole_file(msg_path(id));
    if (!text) return Unexpected{SpoolError::io(text.error())};
    return std::move(*text);
}

std::uint64_t Spool::message_size(const std::string& id) const {
    struct stat st {};
    if (!is_queue_id(id) || ::stat(msg_path(id).c_str(), &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_size);
}

Expected<Done, std::string> Spool::store_envelope(const Envelope& e) {
    // Under the lock, so one tmp name per entry is enough; a leftover of a
    // crash is replaced.
    std::string tmp = tmp_ + "/" + e.id + ".env.new";
    ::unlink(tmp.c_str());
    auto written = write_new_file_synced(tmp, to_json(e));
    if (written && ::rename(tmp.c_str(), env_path(e.id).c_str()) != 0)
        written = Unexpected<std::string>{env_path(e.id) + ": rename: " + std::strerror(errno)};
    if (written) written = active_sync_->sync();
    if (!written) ::unlink(tmp.c_str());
    return written;
}

Expected<Envelope, SpoolError> Spool::update(const std::string& id, const Change& change) {
    Lock lock(*this);
    auto e = load(id);
    if (!e) return e;
    if (change(*e)) {
        auto stored = store_envelope(*e);
        if (!stored) return Unexpected{SpoolError::io(stored.error())};
    }
    return e;
}

bool Spool::remove(const std::string& id) {
    if (!is_queue_id(id)) return false;
    Lock lock(*this);
    if (::unlink(env_path(id).c_str()) != 0) return false;
    ::unlink(msg_path(id).c_str());
    // No directory fsync, as Postfix does not fsync when it deletes a queue
    // file: a power loss right after this may bring the entry back, and it
    // is delivered once more (or, with only the .msg gone, set aside in
    // corrupt/). Mail is never lost by it, and each message is one fsync
    // cheaper (a quarter of the queue's fsyncs).
    return true;
}

}  // namespace smtpsec::queue

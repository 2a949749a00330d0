// See durable_file.h.
#include "queue/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <stdexcept>

#include "net/unique_fd.h"

namespace smtpsec::queue {
namespace {

Unexpected<std::string> failure(const std::string& path, const char* what) {
    return Unexpected<std::string>{path + ": " + what + ": " + std::strerror(errno)};
}

FileResult write_contents(int fd, const std::string& path, std::initializer_list<std::string_view> pieces) {
    for (std::string_view content : pieces) {
        const char* p = content.data();
        std::size_t left = content.size();
        while (left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                return failure(path, "write");
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    if (::fsync(fd) != 0) return failure(path, "fsync");
    return Done{};
}

FileResult write_new(const std::string& path, std::initializer_list<std::string_view> pieces) {
    net::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return failure(path, "create");
    auto written = write_contents(fd.get(), path, pieces);
    if (written && ::close(fd.release()) != 0) written = failure(path, "close");
    if (!written) ::unlink(path.c_str());  // a partial file must not linger in tmp/
    return written;
}

}  // namespace

FileResult write_new_file_synced(const std::string& path, std::string_view content) {
    return write_new(path, {content});
}

FileResult write_new_file_synced(const std::string& path, std::string_view first, std::string_view second) {
    return write_new(path, {first, second});
}

FileResult fsync_directory(const std::string& directory) {
    net::UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return failure(directory, "open");
    if (::fsync(fd.get()) != 0) return failure(directory, "fsync");
    return Done{};
}

struct DirectorySync::State {
    std::mutex mutex;
    std::condition_variable done;
    std::uint64_t requested = 0;  // tickets handed out
    std::uint64_t synced = 0;     // every ticket up to this one is covered by a completed fsync
    bool running = false;
};

DirectorySync::DirectorySync(std::string directory)
    : directory_(std::move(directory)), state_(std::make_unique<State>()) {
    fd_ = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(directory_ + ": open: " + std::strerror(errno));
}

DirectorySync::~DirectorySync() {
    if (fd_ >= 0) ::close(fd_);
}

FileResult DirectorySync::sync() {
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    const std::uint64_t ticket = ++s.requested;
    while (s.synced < ticket) {
        if (s.running) {
            s.done.wait(lock);
            continue;
        }
        // Lead one fsync for every ticket handed out so far: each of them
        // was taken after its caller's change, so this fsync covers it.
        s.running = true;
        const std::uint64_t covers = s.requested;
        lock.unlock();
        const int rc = ::fsync(fd_);
        const int err = errno;
        lock.lock();
        s.running = false;
        if (rc == 0 && covers > s.synced) s.synced = covers;
        s.done.notify_all();
        if (rc != 0) {
            // The others waiting retry with an fsync of their own.
            errno = err;
            return failure(directory_, "fsync");
        }
    }
    return Done{};
}

FileResult rename_durably(const std::string& from, const std::string& to, const std::string& to_directory) {
    if (::rename(from.c_str(), to.c_str()) != 0) return failure(to, "rename");
    return fsync_directory(to_directory);
}

Expected<std::string, std::string> read_whole_file(const std::string& path) {
    net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return failure(path, "open");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return failure(path, "stat");
    // Straight into the string: a message may be tens of MiB.
    std::string out;
    std::size_t have = 0;
    out.resize(static_cast<std::size_t>(st.st_size) + 1);  // +1: notice growth without a second fstat
    for (;;) {
        if (have == out.size()) out.resize(out.size() * 2);
        ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            return failure(path, "read");
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    out.resize(have);
    return out;
}

void ensure_directory(const std::string& path, bool create) {
    if (create && ::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        throw std::runtime_error(path + ": cannot create directory: " + std::strerror(errno));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": not a directory");
    if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0)
        throw std::runtime_error(path + ": not writable: " + std::strerror(errno));
}

}  // namespace smtpsec::queue

// The pid file (`daemon.pid_file`): written after start-up succeeded,
// removed at a clean exit. smtpsec-queue reads it to ask for a rescan.
#pragma once

#include <string>
#include <utility>

namespace smtpsec::daemon {

class PidFile {
public:
    PidFile() = default;
    // Writes getpid() atomically (temporary file + rename). An empty path
    // writes nothing. Throws std::runtime_error naming the path on failure.
    explicit PidFile(std::string path);
    ~PidFile();
    PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    PidFile& operator=(PidFile&& other) noexcept {
        std::swap(path_, other.path_);
        return *this;
    }
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

private:
    std::string path_;
};

}  // namespace smtpsec::daemon

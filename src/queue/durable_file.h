// The file operations that make the spool crash-safe.
//
// Why: "mail is never lost" rests on one recipe - write a temporary file,
// fsync it, rename it into place, fsync the directory - and on reading files
// back whole. Errors come back as "PATH: reason" for the log.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "smtpsec/expected.h"

namespace smtpsec::queue {

struct Done {};
using FileResult = Expected<Done, std::string>;

// Creates `path` (which must not exist: O_EXCL), writes `content`, fsyncs it.
FileResult write_new_file_synced(const std::string& path, std::string_view content);
// The same with the content in two pieces, written one after the other.
FileResult write_new_file_synced(const std::string& path, std::string_view first, std::string_view second);

// rename(2) then fsync of the target's directory.
FileResult rename_durably(const std::string& from, const std::string& to, const std::string& to_directory);

FileResult fsync_directory(const std::string& directory);

// fsync(2) of one directory shared by threads, group-committed: a caller that
// changed the directory (a rename, an unlink) calls sync() afterwards and
// returns once an fsync that STARTED after its call has completed. Concurrent
// callers share one fsync instead of queueing one each on the disk.
class DirectorySync {
public:
    explicit DirectorySync(std::string directory);  // throws std::runtime_error
    ~DirectorySync();
    DirectorySync(const DirectorySync&) = delete;
    DirectorySync& operator=(const DirectorySync&) = delete;
    FileResult sync();

private:
    struct State;
    std::string directory_;
    int fd_ = -1;
    std::unique_ptr<State> state_;
};

Expected<std::string, std::string> read_whole_file(const std::string& path);

// Creates the directory if missing (mode 0700) when `create`; throws
// std::runtime_error if it is missing or not a writable directory (a start-up
// error).
void ensure_directory(const std::string& path, bool create = true);

}  // namespace smtpsec::queue

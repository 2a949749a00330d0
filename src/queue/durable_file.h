// The file operations that make the spool crash-safe.
//
// Why: "mail is never lost" rests on one recipe - write a temporary file,
// fsync it, rename it into place, fsync the directory - and on reading files
// back whole. Errors come back as "PATH: reason" for the log.
#pragma once

#include <string>
#include <string_view>

#include "smtpsec/expected.h"

namespace smtpsec::queue {

struct Done {};
using FileResult = Expected<Done, std::string>;

// Creates `path` (which must not exist: O_EXCL), writes `content`, fsyncs it.
FileResult write_new_file_synced(const std::string& path, std::string_view content);

// rename(2) then fsync of the target's directory.
FileResult rename_durably(const std::string& from, const std::string& to, const std::string& to_directory);

FileResult fsync_directory(const std::string& directory);

Expected<std::string, std::string> read_whole_file(const std::string& path);

// Creates the directory if missing (mode 0700) when `create`; throws
// std::runtime_error if it is missing or not a writable directory (a start-up
// error).
void ensure_directory(const std::string& path, bool create = true);

}  // namespace smtpsec::queue

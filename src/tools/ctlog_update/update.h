// smtpsec-ctlog-update's decision and its install: whether a candidate CT
// log list may replace the installed one, and the replacing itself.
//
// Why this order of checks: the signature first (nothing else in an
// unsigned file is worth reading), then the schema the daemon will parse
// (tls::parse_ct_log_list and OpenSSL taking every log's key, so a list that
// would make the next reload fail is never installed), then its age: a
// signed but older list is refused, or anyone able to serve an old file (a
// mirror, a proxy, a stale cache) could bring back logs since retired.
// The install is atomic (write beside, fsync, rename, fsync the directory):
// the daemon, reading at any moment, sees the old list or the new one.
#pragma once

#include <optional>
#include <string>

#include "tls/ct_log_list.h"

namespace smtpsec::tools {

enum class UpdateError {
    unreadable,      // a file could not be read, or is larger than a log list can be
    bad_key,         // the publisher's key file is not a public key
    bad_signature,   // the signature does not verify: altered, or another key
    malformed,       // signed, but not a log list the daemon can use
    no_timestamp,    // signed and well-formed, but without log_list_timestamp to compare
    stale,           // older than the installed list
    install_failed,  // the new file could not be written or renamed into place
};

std::string_view name_of(UpdateError error);

struct UpdateVerdict {
    enum class Kind { install, current, refuse };
    Kind kind = Kind::refuse;
    std::optional<UpdateError> error;  // with refuse
    std::string reason;                // with refuse: the specific problem
    tls::CtLogListHeader candidate;    // when it parsed
    std::size_t logs = 0;              // in the candidate, when it parsed
};

// Pure: `installed` is the installed list's text, or nothing if there is none
// (or it cannot be parsed: then any good signed list replaces it).
UpdateVerdict judge_candidate(const std::string& list, const std::string& signature,
                              const std::string& key_pem, const std::optional<std::string>& installed);

// The most a log list or its signature may be (Google's is about 100 KiB).
inline constexpr std::size_t kMaxListBytes = 8u << 20;
inline constexpr std::size_t kMaxSignatureBytes = 64u << 10;

// Reads at most `limit` bytes; nothing and `error` set if the file cannot be
// read or is larger.
std::optional<std::string> read_bounded(const std::string& path, std::size_t limit, std::string& error);

// Writes `bytes` to `target` atomically (mode 0644); empty on success, else why not.
std::string install_atomically(const std::string& target, const std::string& bytes);

}  // namespace smtpsec::tools

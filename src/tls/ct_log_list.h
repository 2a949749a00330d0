// The trusted Certificate Transparency logs, read from a log list in the JSON
// shape the public lists publish (log_list.json v3: operators[].logs[] and
// operators[].tiled_logs[], each with base64 "log_id" and "key", a "state"
// and an optional "temporal_interval").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/time_text.h"

namespace smtpsec::tls {

enum class CtLogState { pending, qualified, usable, readonly, retired, rejected, none };

struct CtLog {
    std::array<std::uint8_t, 32> id{};  // SHA-256 of key_der (checked at load)
    std::vector<std::uint8_t> key_der;  // SubjectPublicKeyInfo
    std::string description;
    std::string operator_name;
    CtLogState state = CtLogState::none;
    TimePoint state_since{};  // the state's "timestamp"
    // temporal_interval: the log only takes certificates whose notAfter is in
    // [start, end). A sharded log's SCT for another certificate does not count.
    std::optional<TimePoint> interval_start;
    std::optional<TimePoint> interval_end;
};

std::string_view name_of(CtLogState state);

// Throws std::runtime_error naming the offending log (start-up configuration).
std::vector<CtLog> parse_ct_log_list(std::string_view text);

// The list's own facts (log_list.json v3 top level): "version" changes with
// every edit, "log_list_timestamp" is when it was published. Both optional
// in the schema; the updater (smtpsec-ctlog-update) requires the timestamp,
// the daemon's age warning falls back to the file's mtime without it.
struct CtLogListHeader {
    std::string version;
    std::optional<TimePoint> timestamp;
};

// Throws std::runtime_error like parse_ct_log_list when the text is not a
// JSON object or a present field has the wrong type or time syntax.
CtLogListHeader parse_ct_log_list_header(std::string_view text);

// Why an SCT that `log` signed at `sct_time` for a certificate expiring at
// `cert_not_after` does not count, or empty if it counts:
//   usable, qualified: counts;
//   readonly, retired: counts only if issued before the state's timestamp;
//   pending, rejected, no state: never counts;
//   temporal_interval: the certificate's notAfter must fall inside it.
std::string ct_log_refusal(const CtLog& log, TimePoint sct_time, TimePoint cert_not_after);

}  // namespace smtpsec::tls

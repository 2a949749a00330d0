// Delivery status notifications (RFC 3464, RFC 6522 multipart/report).
//
// Why: a sender must learn that mail failed or is late, in the format mail
// programs and list managers parse. The report carries the original header
// section (text/rfc822-headers), never the body: enough to recognise the
// mail, without sending its content back around.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/envelope.h"
#include "queue/settings.h"

namespace smtpsec::queue {

enum class DsnAction { failed, delayed };

struct DsnRequest {
    const Envelope* envelope = nullptr;
    std::string_view original;            // the spooled message (its headers are quoted)
    std::vector<std::size_t> recipients;  // indexes into envelope->recipients
    DsnAction action = DsnAction::failed;
    std::string to;        // the DSN's recipient (sender or postmaster)
    std::int64_t now = 0;  // unix seconds
};

// The complete message, CRLF. For `delayed`, each recipient's Status is
// 4.0.0 unless it carries its own 4.x.x code, and Will-Retry-Until is the
// end of the lifetime.
std::string build_dsn(const DsnRequest& request, const QueueSettings& settings);

// "Mon, 23 Nov 2026 10:00:00 +0000"
std::string rfc5322_date(std::int64_t unix_seconds);

// One line of printable ASCII (header fields of the report must be).
std::string one_ascii_line(std::string_view text, std::size_t max = 900);

}  // namespace smtpsec::queue

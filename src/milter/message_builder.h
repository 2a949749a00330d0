// Reassembles the message from libmilter's pieces (header callbacks, body
// chunks) into the bytes our queue stores, and notes which header fields must
// also be deleted from the MTA's own copy.
//
// Why: the milter never gets the message as one buffer. What it queues must
// be what the MTA would have delivered, minus the fields nobody may receive
// from plain SMTP: SMTPsec-Used (docs/decisions.md point 23), the private
// Require-SMTPsec request, and an Authentication-Results field carrying our
// own authserv-id (RFC 8601 section 5, issue 13 item 8: only our listener
// may say smtpsec=pass under that name; other hosts' fields stay).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "milter/forwarded.h"
#include "milter/requirement.h"

namespace smtpsec::milter {

// smfi_chgheader(ctx, name, index, NULL) for each, in this order (highest
// index of a name first, so earlier deletions never shift later ones).
struct HeaderDeletion {
    std::string name;
    int index = 0;  // 1-based among the fields of that name (any case)
};

class MessageBuilder {
public:
    // `require_header`: the Require-SMTPsec field name, "" for none.
    // `authserv_id`: ours; Authentication-Results fields with it (or with
    // none readable, imf::is_forged_auth_results) are removed; "" for none.
    explicit MessageBuilder(std::string require_header, std::string authserv_id = "");

    // `value` as libmilter gives it: without the space after the colon unless
    // the MTA agreed to SMFIP_HDR_LEADSPC (`leading_space_kept`). Folding may
    // come as LF or CRLF; it is stored as CRLF.
    void add_header(std::string_view name, std::string_view value, bool leading_space_kept);
    void add_body(std::string_view chunk);

    // Header section, empty line, body.
    std::string message() const;
    // message() in two pieces without copying the body: `prefix` + the
    // header section + the empty line, and the body, which the builder gives
    // up (only header-side queries remain valid afterwards).
    std::string head(std::string_view prefix) const;
    std::string take_body();
    // A capacity hint for the body (the SIZE= the client declared), so that
    // a large body is not copied again each time the buffer doubles.
    void reserve_body(std::size_t bytes);
    std::size_t size() const { return header_.size() + body_.size() + 2; }
    // A Require-SMTPsec field had the value "yes".
    bool require_requested() const { return require_requested_; }
    // What the Require-SMTPsec fields asked for ("yes" beats "tls").
    const SecurityRequirement& header_requirement() const { return header_requirement_; }
    std::vector<HeaderDeletion> deletions() const;
    // Whether a Received field mentions "id QUEUE_ID" (the MTA's own, which
    // Sendmail shows the milter and Postfix does not).
    bool has_received_with_id(std::string_view queue_id) const;

    // Every field as received, removed ones included, for recognising a
    // forwarded copy (forwarded.h); SMTPsec-Forward fields are always removed
    // from the MTA's copy and listed here by position.
    const std::vector<SeenField>& seen_fields() const { return seen_; }
    const std::vector<std::size_t>& markers() const { return markers_; }
    // The body as received so far (before take_body()).
    std::string_view body() const { return body_; }
    // deletions() limited to fields of `name`.
    std::vector<HeaderDeletion> deletions_of(std::string_view name) const;

private:
    std::string require_header_;
    std::string authserv_id_;
    std::string header_;
    std::string body_;
    bool require_requested_ = false;
    SecurityRequirement header_requirement_;
    // Every field name seen, lowercase, with its count so far; and the
    // removed ones as (name, index).
    std::vector<std::pair<std::string, int>> counts_;
    std::vector<HeaderDeletion> removed_;
    std::vector<SeenField> seen_;
    std::vector<std::size_t> markers_;
};

// What the MTA's own Received field would have said about the hop from the
// client, for the top of the queued message:
//   Received: from HELO (CLIENT_NAME [ADDRESS])
//   \tby MY_NAME with ESMTP id QUEUE_ID
//   \tfor <RCPT>; DATE
// Parts that are unknown or unsafe in a header (control characters) are left out.
struct HopInfo {
    std::string helo;
    std::string client_name;
    std::string client_address;
    std::string by;
    std::string queue_id;
    std::string for_address;  // the single recipient, or ""
    std::chrono::system_clock::time_point time;
};
std::string mta_received(const HopInfo& hop);

// "<bob@b.test>" -> "bob@b.test"; "<>" -> "".
std::string bare_address(std::string_view as_given);
// Lowercase domain of a bare address, final dot removed; "" if none.
std::string domain_of(std::string_view address);
// Whether MAIL's ESMTP arguments (argv[1..]) hold REQUIRESMTPSEC (thesis 6.6;
// docs/decisions.md).
bool requests_smtpsec(const std::vector<std::string>& mail_args);

}  // namespace smtpsec::milter

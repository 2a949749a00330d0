// Session::forward_eom: the milter on the forward service (docs/forwarding.md).
//
// Why apart from session.cc: this path never signs and never decides by the
// sender policy; it only sends on what our listener received, with the
// origin's signature when the bytes are unchanged.
#include <fmt/format.h>

#include "log/log.h"
#include "milter/milter.h"
#include "milter/session.h"

namespace smtpsec::milter {
namespace {

// "Received: a\r\n\tb\r\n" -> {"Received", "a\r\n\tb"}.
Header header_of_field(std::string_view field) {
    auto colon = field.find(':');
    Header h{std::string(field.substr(0, colon)), ""};
    std::string_view value = field.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value.ends_with("\r\n")) value.remove_suffix(2);
    h.value = std::string(value);
    return h;
}

}  // namespace

std::optional<sfsistat> Session::forward_eom(SMFICTX* ctx, const MessageFacts& facts,
                                             const std::string& received, std::string& head) {
    Message& m = *message_;
    const MilterSettings& s = *m.settings;
    const auto& markers = m.builder->markers();
    if (s.forward_daemon.empty() || !s.forward || daemon_name_ != s.forward_daemon || markers.empty())
        return std::nullopt;
    if (markers.size() != 1) {
        log::warning("{}forward marker not believed: {} markers", ids(), markers.size());
        return std::nullopt;
    }
    auto original = s.forward->find(m.builder->seen_fields()[markers[0]].value);
    if (!original) {
        log::warning("{}forward marker not believed: {}", ids(), original.error());
        return std::nullopt;
    }
    auto recognised = recognise_forward(m.builder->seen_fields(), markers[0], m.builder->body(),
                                        original->message);

    // Local recipients stay with the MTA; the others are forwarding targets.
    std::vector<std::size_t> take;
    for (std::size_t i = 0; i < facts.recipients.size(); ++i)
        if (not_a_candidate(facts.recipients[i], s).empty()) take.push_back(i);

    auto delete_markers = [&] {
        for (const auto& del : m.builder->deletions_of(forward_marker_name))
            if (smfi_chgheader(ctx, const_cast<char*>(del.name.c_str()), del.index, nullptr) != MI_SUCCESS)
                log::error("{}cannot delete header field {}[{}]", ids(), del.name, del.index);
    };
    if (take.empty()) {
        log::debug("{}copy received over SMTPsec from {}: no recipient outside our domains", ids(),
                   original->from_domain);
        delete_markers();
        return SMFIS_CONTINUE;
    }

    TakeOver mail;
    mail.mta_queue_id = m.queue_id;
    mail.sender = m.sender;
    mail.from_domain = original->from_domain;
    // The Email's own require_security travels on (docs/decisions.md point 19):
    // 1 only SMTPsec, 0 SMTPsec or verified TLS (requirement.h).
    SecurityRequirement requirement = m.requirement;
    if (original->require_security)
        requirement.raise(
            *original->require_security == 0 ? RequirementLevel::tls : RequirementLevel::smtpsec,
            "require_security of the Email received over SMTPsec");
    mail.require_security = requirement.required;
    mail.tls_suffices = requirement.tls_suffices;
    for (auto i : take) {
        const auto& f = facts.recipients[i];
        mail.recipients.push_back({f.as_given, f.address, f.domain});
    }
    if (recognised.match == ForwardMatch::kept) {
        mail.forward = TakeOver::Forward::presigned;
        std::vector<Header> trace;
        if (!received.empty())
            trace.push_back(header_of_field(received));  // this hop (Postfix hides its own)
        for (auto& h : recognised.hops) trace.push_back(std::move(h));
        for (auto& h : original->trace_headers) trace.push_back(std::move(h));
        original->trace_headers = std::move(trace);
        mail.body = original->message;
        mail.original = std::move(*original);
    } else {
        // 6.4.5 form: trace on top, SMTPsec-Used, our A-R and the marker removed.
        mail.forward = TakeOver::Forward::unsigned_copy;
        mail.head = std::move(head);
        mail.body = m.builder->take_body();
    }
    auto stored = milter_.intake().take_over(mail);
    if (!stored) {
        log::error("{}forwarded copy from {}: not taken over: {}; the MTA tries again", ids(),
                   mail.from_domain, stored.error());
        return SMFIS_TEMPFAIL;
    }
    const std::size_t n = take.size();
    if (mail.forward == TakeOver::Forward::presigned)
        log::info("{}{}: forwarded copy from {} for {} recipient{}, from=<{}>: signature kept", ids(),
                  *stored, mail.from_domain, n, n == 1 ? "" : "s", m.sender);
    else
        log::info("{}{}: forwarded copy from {} for {} recipient{}, from=<{}>: signature not kept: {}{}",
                  ids(), *stored, mail.from_domain, n, n == 1 ? "" : "s", m.sender, name_of(recognised.match),
                  !mail.require_security ? " (sent by SMTP without signature)"
                  : mail.tls_suffices    ? " (sent by SMTP over verified TLS only, without signature)"
                                         : " (SMTPsec required: a DSN goes to the sender)");
    if (take.size() == facts.recipients.size()) return SMFIS_DISCARD;
    delete_markers();
    for (auto i : take)
        if (smfi_delrcpt(ctx, const_cast<char*>(facts.recipients[i].as_given.c_str())) != MI_SUCCESS)
            log::error("{}cannot remove recipient {} from the MTA's copy: it is also sent by SMTP", ids(),
                       facts.recipients[i].as_given);
    return SMFIS_CONTINUE;
}

}  // namespace smtpsec::milter

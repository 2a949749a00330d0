// See session.h.
#include "milter/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "imf/origin_from.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "milter/milter.h"
#include "milter/monitor.h"

namespace smtpsec::milter {
namespace {

std::string macro(SMFICTX* ctx, const char* name) {
    const char* value = smfi_getsymval(ctx, const_cast<char*>(name));
    return value ? std::string(value) : std::string();
}

sfsistat status_of(Answer answer) {
    switch (answer) {
    case Answer::proceed: return SMFIS_CONTINUE;
    case Answer::discard: return SMFIS_DISCARD;
    case Answer::reject: return SMFIS_REJECT;
    case Answer::tempfail: return SMFIS_TEMPFAIL;
    }
    return SMFIS_TEMPFAIL;
}

// The authenticated identity: the SASL login, else the subject of a client
// certificate the MTA verified (Sendmail says so in {verify}; Postfix only
// gives {cert_subject} for a verified certificate).
std::string login_of(SMFICTX* ctx) {
    std::string login = normalise_login(macro(ctx, "{auth_authen}"));
    if (!login.empty()) return login;
    std::string verify = macro(ctx, "{verify}");
    if (!verify.empty() && verify != "OK") return "";
    return normalise_login(macro(ctx, "{cert_subject}"));
}

FromFacts from_facts(std::string_view message) {
    FromFacts from;
    auto mailbox = imf::origin_mailbox(message);
    if (!mailbox) {
        from.problem = mailbox.error().reason;
        return from;
    }
    from.single_mailbox = true;
    from.address = mailbox->address;
    from.domain = mailbox->domain_lower;
    return from;
}

bool sender_listed(const std::vector<std::string>& list, const std::string& sender) {
    if (sender.empty()) return false;
    std::string domain = "@" + domain_of(sender);
    for (const auto& entry : list)
        if (imf::equals_ignore_case(entry, sender) || imf::equals_ignore_case(entry, domain)) return true;
    return false;
}

}  // namespace

Session::Session(Milter& milter, bool leading_space_kept)
    : milter_(milter), leading_space_kept_(leading_space_kept) {}

std::string Session::ids() const {
    return message_ && !message_->queue_id.empty() ? message_->queue_id + ": " : std::string("NOQUEUE: ");
}

void Session::connect(SMFICTX* ctx, std::string client_name, std::string client_address) {
    daemon_name_ = macro(ctx, "{daemon_name}");
    my_name_ = macro(ctx, "j");
    client_name_ = std::move(client_name);
    client_address_ = std::move(client_address);
}

sfsistat Session::helo(std::string name) {
    helo_ = std::move(name);
    return SMFIS_CONTINUE;
}

sfsistat Session::mail(SMFICTX* ctx, char** argv) {
    message_ = std::make_unique<Message>();
    Message& m = *message_;
    m.settings = milter_.settings();
    m.builder = std::make_unique<MessageBuilder>(m.settings->require_smtpsec_header, m.settings->authserv_id);
    m.sender = bare_address(argv && argv[0] ? argv[0] : "");
    m.login = login_of(ctx);
    m.queue_id = macro(ctx, "i");
    if (daemon_name_.empty()) daemon_name_ = macro(ctx, "{daemon_name}");

    std::vector<std::string> args;
    for (char** a = argv && argv[0] ? argv + 1 : nullptr; a && *a; ++a) args.emplace_back(*a);
    // The client's SIZE= (Postfix passes the MAIL parameters on): a capacity
    // hint for the body, capped so that a lie costs little.
    for (const auto& a : args) {
        if (a.size() <= 5 || !imf::equals_ignore_case(std::string_view(a).substr(0, 5), "SIZE=")) continue;
        std::size_t declared = 0;
        auto [end, ec] = std::from_chars(a.data() + 5, a.data() + a.size(), declared);
        if (ec == std::errc() && end == a.data() + a.size())
            m.builder->reserve_body(std::min<std::size_t>(declared, 64u << 20));
    }
    const MilterSettings& s = *m.settings;
    auto require = [&](std::string reason) {
        m.requirement.raise(RequirementLevel::smtpsec, std::move(reason));
    };
    if (requests_smtpsec(args)) require("MAIL parameter REQUIRESMTPSEC");
    if (requests_tls(args)) m.requirement.raise(RequirementLevel::tls, "MAIL parameter REQUIRETLS");
    if (!daemon_name_.empty() && std::find(s.require_smtpsec_daemons.begin(), s.require_smtpsec_daemons.end(),
                                           daemon_name_) != s.require_smtpsec_daemons.end())
        require("listener " + daemon_name_);
    if (sender_listed(s.require_smtpsec_senders, m.sender)) require("sender policy");
    log::debug("{}from=<{}> client={}[{}] daemon={} login={}{}", ids(), m.sender, client_name_,
               client_address_, daemon_name_.empty() ? "-" : daemon_name_, m.login.empty() ? "-" : m.login,
               m.requirement.required ? ", " + m.requirement.describe() : std::string());
    return SMFIS_CONTINUE;
}

sfsistat Session::rcpt(SMFICTX* ctx, char** argv) {
    if (!message_ || !argv || !argv[0]) return SMFIS_CONTINUE;
    PendingRecipient r;
    r.facts.as_given = argv[0];
    r.facts.address = bare_address(argv[0]);
    r.facts.domain = domain_of(r.facts.address);
    r.facts.mailer = macro(ctx, "{rcpt_mailer}");
    if (std::string why = not_a_candidate(r.facts, *message_->settings); why.empty()) {
        // One lookup per domain and message; the source coalesces across messages.
        for (const auto& other : message_->recipients)
            if (other.facts.domain == r.facts.domain && other.pending) r.pending = other.pending;
        if (!r.pending) r.pending = milter_.verdicts().lookup(r.facts.domain);
        if (!r.pending) r.facts.lookup_failed = true;
        log::debug("{}to=<{}> mailer={}: {}", ids(), r.facts.address,
                   r.facts.mailer.empty() ? "-" : r.facts.mailer,
                   r.facts.lookup_failed ? "SMTPsec discovery could not start"
                                         : "SMTPsec discovery of " + r.facts.domain + " under way");
    } else {
        log::debug("{}to=<{}> not a candidate for SMTPsec: {}", ids(), r.facts.address, why);
    }
    message_->recipients.push_back(std::move(r));
    return SMFIS_CONTINUE;
}

sfsistat Session::header(SMFICTX*, const char* name, const char* value) {
    if (message_) message_->builder->add_header(name ? name : "", value ? value : "", leading_space_kept_);
    return SMFIS_CONTINUE;
}

sfsistat Session::body(SMFICTX*, const unsigned char* chunk, std::size_t length) {
    if (message_ && chunk) message_->builder->add_body({reinterpret_cast<const char*>(chunk), length});
    return SMFIS_CONTINUE;
}

sfsistat Session::eom(SMFICTX* ctx) {
    if (!message_) return SMFIS_CONTINUE;
    Message& m = *message_;
    if (std::string id = macro(ctx, "i"); !id.empty()) m.queue_id = id;
    const MilterSettings& s = *m.settings;
    if (const auto& h = m.builder->header_requirement(); h.required)
        m.requirement.raise(h.tls_suffices ? RequirementLevel::tls : RequirementLevel::smtpsec, h.reason);

    MessageFacts facts;
    facts.sender = m.sender;
    facts.login = m.login;
    facts.require_security = m.requirement.required;
    facts.tls_suffices = m.requirement.tls_suffices;
    facts.require_reason = m.requirement.reason;
    // Postfix does not show a milter the Received field it adds itself
    // (nor does Sendmail 8.17); without it the mail's trace would lose this hop.
    std::string received;
    if (!m.builder->has_received_with_id(m.queue_id))
        received = mta_received({helo_, client_name_, client_address_, my_name_, m.queue_id,
                                 m.recipients.size() == 1 ? m.recipients[0].facts.address : "",
                                 std::chrono::system_clock::now()});
    std::string head = m.builder->head(received);
    facts.from = from_facts(std::string_view(head).substr(received.size()));
    auto deadline = std::chrono::steady_clock::now() + s.verdict_wait;
    for (auto& r : m.recipients) {
        if (r.pending) r.facts.verdict = r.pending->wait_until(deadline);
        if (r.facts.verdict)
            log::debug("{}to=<{}> discovery verdict for {}: {} ({})", ids(), r.facts.address, r.facts.domain,
                       name_of(r.facts.verdict->verdict), r.facts.verdict->reason);
        else if (r.pending)
            log::debug("{}to=<{}> no discovery verdict for {} within {} ms", ids(), r.facts.address,
                       r.facts.domain,
                       std::chrono::duration_cast<std::chrono::milliseconds>(s.verdict_wait).count());
        facts.recipients.push_back(r.facts);
    }
    log::debug("{}From: {}, login {}, {}", ids(),
               facts.from.single_mailbox ? "<" + facts.from.address + ">" : facts.from.problem,
               m.login.empty() ? std::string("none") : m.login,
               m.requirement.required ? m.requirement.describe() : std::string("SMTPsec not required"));

    if (auto forwarded = forward_eom(ctx, facts, received, head)) {
        message_.reset();
        return *forwarded;
    }
    Decision decision = decide(facts, s);
    // Monitor mode: the enforced decision is kept for the counters only.
    const Decision enforced = s.mode == Mode::monitor ? decision : Decision{};
    if (s.mode == Mode::monitor) decision = monitor_decision(enforced);
    bool queue_failed = false;
    std::string our_id;
    if (!decision.take.empty()) {
        TakeOver mail;
        mail.mta_queue_id = m.queue_id;
        mail.sender = m.sender;
        mail.from_domain = decision.from_domain;
        mail.head = std::move(head);
        mail.body = m.builder->take_body();
        mail.require_security = m.requirement.required;
        mail.tls_suffices = m.requirement.tls_suffices;
        mail.login = m.login;
        for (auto i : decision.take) {
            const auto& f = facts.recipients[i];
            mail.recipients.push_back({f.as_given, f.address, f.domain});
        }
        auto stored = milter_.intake().take_over(mail);
        if (stored) {
            our_id = *stored;
        } else {
            decision = queue_failure(facts, s, stored.error(), &decision);
            queue_failed = true;
        }
    }
    std::string prefix = ids() + (our_id.empty() ? "" : our_id + ": ");
    for (const auto& line : decision.log) log::info("{}{}", prefix, line);
    if (!our_id.empty()) {
        // Postfix logs a message whose every recipient we took as
        // "milter-discard: ... milter triggers DISCARD action", which reads
        // like lost mail in mail.log and pflogsumm: this line, under the same
        // queue id, says where it went.
        const std::size_t n = decision.take.size();
        const std::size_t total = facts.recipients.size();
        const std::string required = m.requirement.required ? " (" + m.requirement.describe() + ")" : "";
        if (decision.answer == Answer::discard)
            log::info(
                "{}taken over by smtpsecd as queue entry {} for {} recipient{}, from=<{}>{}; the MTA logs it "
                "as discarded (Postfix: milter-discard ... DISCARD): smtpsecd delivers it",
                ids(), our_id, n, n == 1 ? "" : "s", m.sender, required);
        else
            log::info(
                "{}{} of {} recipients taken over by smtpsecd as queue entry {}, from=<{}>{}; the MTA "
                "delivers the other {}",
                ids(), n, total, our_id, m.sender, required, total - n);
    }
    log::debug("{}answer to the MTA: {}", ids(), name_of(decision.answer));
    count_outcome(facts, s, s.mode == Mode::monitor ? enforced : decision, decision, queue_failed);

    if (decision.answer == Answer::proceed) {
        for (const auto& del : m.builder->deletions())
            if (smfi_chgheader(ctx, const_cast<char*>(del.name.c_str()), del.index, nullptr) != MI_SUCCESS)
                log::error("{}cannot delete header field {}[{}]", prefix, del.name, del.index);
        for (auto i : decision.take)
            if (smfi_delrcpt(ctx, const_cast<char*>(facts.recipients[i].as_given.c_str())) != MI_SUCCESS)
                log::error("{}cannot remove recipient {} from the MTA's copy: it is also sent by SMTP",
                           prefix, facts.recipients[i].as_given);
    }
    sfsistat status = answer(ctx, decision);
    message_.reset();
    return status;
}

void Session::abort() { message_.reset(); }

sfsistat Session::answer(SMFICTX* ctx, const Decision& decision) {
    if (!decision.code.empty())
        smfi_setreply(ctx, const_cast<char*>(decision.code.c_str()),
                      const_cast<char*>(decision.xcode.c_str()), const_cast<char*>(decision.text.c_str()));
    return status_of(decision.answer);
}

sfsistat Session::internal_error(SMFICTX* ctx, const std::string& what) {
    auto settings = message_ ? message_->settings : milter_.settings();
    Decision decision = internal_failure(*settings, what);
    for (const auto& line : decision.log) log::error("{}{}", ids(), line);
    if (settings->mode == Mode::monitor && decision.answer != Answer::proceed) {
        // Monitor mode never stands between the MTA and its mail.
        log::info("{}monitor mode: would {} the message; the MTA delivers it by SMTP", ids(),
                  decision.answer == Answer::reject ? "refuse" : "hold");
        metrics::count(decision.answer == Answer::reject ? metrics::MonitorWould::refuse
                                                         : metrics::MonitorWould::hold);
        message_.reset();
        return SMFIS_ACCEPT;
    }
    message_.reset();
    if (decision.answer == Answer::proceed) return SMFIS_ACCEPT;
    return ctx ? answer(ctx, decision) : status_of(decision.answer);
}

}  // namespace smtpsec::milter

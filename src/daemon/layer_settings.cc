// See layer_settings.h.
#include "daemon/layer_settings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace smtpsec::daemon {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

imf::TraceWhitelist trace_whitelist(const std::vector<std::string>& patterns) {
    imf::TraceWhitelist list;
    for (const auto& p : patterns) {
        if (!p.empty() && p.back() == '*')
            list.prefixes.push_back(p.substr(0, p.size() - 1));
        else
            list.names.push_back(p);
    }
    return list;
}

inbound::InboundSettings inbound_settings(const Config& config) {
    const auto& l = config.listener;
    inbound::InboundSettings s;
    if (!l.addresses.empty()) {
        auto creds = tls::Credentials::server(l.certificate, l.key);
        if (!creds) throw std::runtime_error(fmt::format("[listener] certificate: {}", creds.error()));
        s.credentials = *creds;
    }
    s.limits.max_message_size = l.max_message_size;
    s.limits.max_emails_per_connection = l.max_emails_per_connection;
    s.max_connection_memory = l.max_connection_memory;
    s.handshake_timeout = seconds(l.handshake_timeout);
    s.read_timeout = seconds(l.read_timeout);
    s.idle_timeout = seconds(l.idle_timeout);
    s.authserv_id = l.authserv_id;
    s.trace_whitelist = trace_whitelist(l.trace_header_whitelist);
    // The domains whose SRV records point at us: those we sign for, and the
    // listed others (inbound/recipient_policy.h). Both are lowercase A-labels.
    for (const auto& signing : config.signing) s.accept_domains.insert(signing.domain);
    s.accept_domains.insert(l.accept_domains.begin(), l.accept_domains.end());
    auto authorisation = inbound_authorisation(config);
    if (!authorisation) {
        std::vector<std::string> lines;
        for (const auto& p : authorisation.error()) lines.push_back(p.to_string());
        throw std::runtime_error(fmt::format("[listener] authorisation_file: {}", fmt::join(lines, "; ")));
    }
    s.authorisation = std::move(*authorisation);
    return s;
}

Expected<std::shared_ptr<const inbound::SenderAuthorisation>, std::vector<ConfigProblem>>
inbound_authorisation(const Config& config) {
    const auto& path = config.listener.authorisation_file;
    if (path.empty()) return std::shared_ptr<const inbound::SenderAuthorisation>();
    auto loaded = inbound::load_sender_authorisation(path);
    if (!loaded) {
        std::vector<ConfigProblem> problems;
        for (auto& p : loaded.error()) problems.push_back({path, p.line, p.reason});
        return Unexpected{std::move(problems)};
    }
    return std::make_shared<const inbound::SenderAuthorisation>(std::move(*loaded));
}

mta::InjectorConfig injector_config(const Config& config, const HostPort& address) {
    const auto& r = config.reinject;
    mta::InjectorConfig c;
    c.address = address.host;
    c.port = address.port;
    c.helo_name = r.helo_name;
    c.timeouts.connect = mta::InjectorConfig::Timeouts::Seconds(seconds(r.connect_timeout));
    c.timeouts.reply = mta::InjectorConfig::Timeouts::Seconds(seconds(r.command_timeout));
    c.timeouts.data_write = mta::InjectorConfig::Timeouts::Seconds(seconds(r.command_timeout));
    c.timeouts.final_reply = mta::InjectorConfig::Timeouts::Seconds(seconds(r.data_timeout));
    return c;
}

outbound::Timeouts outbound_timeouts(const Config& config) {
    outbound::Timeouts t;
    t.connect = seconds(config.tls.connect_timeout);
    t.answer = seconds(config.tls.answer_timeout);
    t.idle = seconds(config.tls.idle_timeout);
    return t;
}

std::shared_ptr<const tls::AuthPolicy> auth_policy(const Config& config) {
    tls::CtRequirements ct;
    ct.min_logs = config.tls.ct_min_scts;
    ct.min_operators = config.tls.ct_min_scts > 1 ? 2 : 1;
    try {
        return std::make_shared<const tls::AuthPolicy>(
            tls::AuthPolicy::from_files(config.tls.ca_file, config.tls.ct_log_list, ct));
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("[tls]: {}", e.what()));
    }
}

}  // namespace smtpsec::daemon

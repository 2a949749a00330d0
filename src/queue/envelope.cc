// See envelope.h. Unknown fields are ignored, missing optional ones take
// their defaults, so an older gateway's spool still loads.
#include "queue/envelope.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace smtpsec::queue {
namespace {

using nlohmann::json;

constexpr std::pair<RecipientState, std::string_view> state_names[] = {
    {RecipientState::pending, "pending"},
    {RecipientState::delivered, "delivered"},
    {RecipientState::bounced, "bounced"},
    {RecipientState::handed_back, "handed_back"},
};

json recipient_json(const Recipient& r) {
    return json{{"as_given", r.as_given},       {"address", r.address},
                {"domain", r.domain},           {"state", name_of(r.state)},
                {"attempts", r.attempts},       {"next_attempt", r.next_attempt},
                {"last_error", r.last_error},   {"last_server", r.last_server},
                {"status_code", r.status_code}, {"diagnostic_type", r.diagnostic_type},
                {"dsn_sent", r.dsn_sent}};
}

template <class T>
void optional_field(const json& j, const char* name, T& out) {
    if (auto it = j.find(name); it != j.end() && !it->is_null()) out = it->get<T>();
}

constexpr std::pair<ForwardKind, std::string_view> forward_names[] = {
    {ForwardKind::none, "none"},
    {ForwardKind::presigned, "presigned"},
    {ForwardKind::unsigned_copy, "unsigned_copy"},
};

}  // namespace

std::string_view name_of(ForwardKind kind) {
    for (auto [k, n] : forward_names)
        if (k == kind) return n;
    return "?";
}

std::string_view name_of(RecipientState state) {
    for (auto [s, n] : state_names)
        if (s == state) return n;
    return "?";
}

std::optional<RecipientState> recipient_state_from(std::string_view name) {
    for (auto [s, n] : state_names)
        if (n == name) return s;
    return std::nullopt;
}

bool Envelope::has_pending() const {
    return std::any_of(recipients.begin(), recipients.end(),
                       [](const Recipient& r) { return r.state == RecipientState::pending; });
}

bool Envelope::owes_dsn() const {
    return std::any_of(recipients.begin(), recipients.end(),
                       [](const Recipient& r) { return r.state == RecipientState::bounced && !r.dsn_sent; });
}

std::string to_json(const Envelope& e) {
    json rcpts = json::array();
    for (const auto& r : e.recipients) rcpts.push_back(recipient_json(r));
    json j{{"version", e.version},
           {"id", e.id},
           {"mta_queue_id", e.mta_queue_id},
           {"sender", e.sender},
           {"from_domain", e.from_domain},
           {"arrival", e.arrival},
           {"require_security", e.require_security},
           {"held", e.held},
           {"delay_warned", e.delay_warned},
           {"notify_after", e.notify_after},
           {"recipients", std::move(rcpts)}};
    if (e.forward != ForwardKind::none) {
        j["forward"] = name_of(e.forward);
        const auto& f = e.forward_signature;
        json trace = json::array();
        for (const auto& [n, v] : f.trace_headers) trace.push_back(json::array({n, v}));
        j["forward_signature"] = json{{"algorithm", f.algorithm},
                                      {"signature", f.signature_hex},
                                      {"chain", f.chain_hex},
                                      {"trace_headers", std::move(trace)}};
    }
    // Only when it differs from the default, so that older readers (and
    // entries written before it existed) keep the meaning "value 1".
    if (e.require_security && e.tls_suffices) j["require_security_value"] = 0;
    return j.dump(2) + "\n";
}

Expected<Envelope, std::string> envelope_from_json(std::string_view text) {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Unexpected<std::string>{"not a JSON object"};
    try {
        Envelope e;
        e.version = j.at("version").get<int>();
        if (e.version != Envelope::current_version)
            return Unexpected<std::string>{"unsupported envelope version " + std::to_string(e.version)};
        e.id = j.at("id").get<std::string>();
        optional_field(j, "mta_queue_id", e.mta_queue_id);
        e.sender = j.at("sender").get<std::string>();
        optional_field(j, "from_domain", e.from_domain);
        e.arrival = j.at("arrival").get<std::int64_t>();
        optional_field(j, "require_security", e.require_security);
        int require_value = 1;
        optional_field(j, "require_security_value", require_value);
        if (require_value != 0 && require_value != 1)
            return Unexpected<std::string>{"require_security_value must be 0 or 1"};
        e.tls_suffices = e.require_security && require_value == 0;
        optional_field(j, "held", e.held);
        optional_field(j, "delay_warned", e.delay_warned);
        optional_field(j, "notify_after", e.notify_after);
        if (auto it = j.find("forward"); it != j.end()) {
            auto name = it->get<std::string>();
            auto k = std::find_if(std::begin(forward_names), std::end(forward_names),
                                  [&](const auto& p) { return p.second == name; });
            if (k == std::end(forward_names)) return Unexpected<std::string>{"unknown forward kind"};
            e.forward = k->first;
            if (auto fj = j.find("forward_signature"); fj != j.end()) {
                auto& f = e.forward_signature;
                f.algorithm = fj->at("algorithm").get<std::uint16_t>();
                f.signature_hex = fj->at("signature").get<std::string>();
                f.chain_hex = fj->at("chain").get<std::vector<std::string>>();
                for (const auto& t : fj->at("trace_headers"))
                    f.trace_headers.emplace_back(t.at(0).get<std::string>(), t.at(1).get<std::string>());
            }
        }
        for (const auto& rj : j.at("recipients")) {
            Recipient r;
            r.address = rj.at("address").get<std::string>();
            r.as_given = rj.value("as_given", "<" + r.address + ">");
            r.domain = rj.at("domain").get<std::string>();
            auto state = recipient_state_from(rj.at("state").get<std::string>());
            if (!state) return Unexpected<std::string>{"unknown recipient state"};
            r.state = *state;
            optional_field(rj, "attempts", r.attempts);
            optional_field(rj, "next_attempt", r.next_attempt);
            optional_field(rj, "last_error", r.last_error);
            optional_field(rj, "last_server", r.last_server);
            optional_field(rj, "status_code", r.status_code);
            optional_field(rj, "diagnostic_type", r.diagnostic_type);
            optional_field(rj, "dsn_sent", r.dsn_sent);
            e.recipients.push_back(std::move(r));
        }
        return e;
    } catch (const json::exception& ex) {
        return Unexpected<std::string>{std::string("malformed envelope: ") + ex.what()};
    }
}

}  // namespace smtpsec::queue

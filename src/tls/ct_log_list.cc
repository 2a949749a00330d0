// Parses log_list.json (v3) with nlohmann_json and applies the log-state rules.
#include "tls/ct_log_list.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tls/x509_util.h"

namespace smtpsec::tls {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw std::runtime_error("CT log list: " + where + ": " + what);
}

std::vector<std::uint8_t> base64(const std::string& where, const std::string& text) {
    OwnedDatum out;
    const gnutls_datum_t in = datum_of(std::string_view(text));
    if (text.empty() || gnutls_base64_decode2(&in, out.out()) < 0) fail(where, "invalid base64");
    return {out.span().begin(), out.span().end()};
}

TimePoint time_field(const std::string& where, const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_string())
        fail(where, std::string("missing time \"") + key + "\"");
    auto when = parse_rfc3339(object[key].get<std::string>());
    if (!when) fail(where, std::string("bad time \"") + key + "\"");
    return *when;
}

std::optional<CtLogState> state_named(std::string_view name) {
    static constexpr CtLogState all[] = {CtLogState::pending,  CtLogState::qualified, CtLogState::usable,
                                         CtLogState::readonly, CtLogState::retired,   CtLogState::rejected};
    for (auto state : all)
        if (name_of(state) == name) return state;
    return std::nullopt;
}

CtLog parse_log(const json& entry, const std::string& operator_name, std::size_t index) {
    std::string where = "operator \"" + operator_name + "\" log " + std::to_string(index);
    if (!entry.is_object()) fail(where, "not an object");
    CtLog log;
    log.operator_name = operator_name;
    if (entry.contains("description") && entry["description"].is_string()) {
        log.description = entry["description"].get<std::string>();
        where = "log \"" + log.description + "\"";
    }
    if (!entry.contains("key") || !entry["key"].is_string()) fail(where, "missing \"key\"");
    if (!entry.contains("log_id") || !entry["log_id"].is_string()) fail(where, "missing \"log_id\"");
    log.key_der = base64(where + " key", entry["key"].get<std::string>());
    const auto id = base64(where + " log_id", entry["log_id"].get<std::string>());
    if (id.size() != 32) fail(where, "log_id is not 32 bytes");
    std::array<std::uint8_t, 32> computed{};
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, log.key_der.data(), log.key_der.size(), computed.data()) < 0)
        fail(where, "cannot hash key");
    if (!std::equal(id.begin(), id.end(), computed.begin())) fail(where, "log_id is not the SHA-256 of key");
    log.id = computed;

    if (entry.contains("state")) {
        const json& state = entry["state"];
        if (!state.is_object()) fail(where, "\"state\" is not an object");
        for (const auto& [name, value] : state.items()) {
            if (auto known = state_named(name)) {
                log.state = *known;
                log.state_since = time_field(where + " state", value, "timestamp");
                break;
            }
        }
    }
    if (entry.contains("temporal_interval")) {
        const json& interval = entry["temporal_interval"];
        log.interval_start = time_field(where + " temporal_interval", interval, "start_inclusive");
        log.interval_end = time_field(where + " temporal_interval", interval, "end_exclusive");
    }
    return log;
}

}  // namespace

std::string_view name_of(CtLogState state) {
    switch (state) {
    case CtLogState::pending: return "pending";
    case CtLogState::qualified: return "qualified";
    case CtLogState::usable: return "usable";
    case CtLogState::readonly: return "readonly";
    case CtLogState::retired: return "retired";
    case CtLogState::rejected: return "rejected";
    case CtLogState::none: break;
    }
    return "no state";
}

std::vector<CtLog> parse_ct_log_list(std::string_view text) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        fail("JSON", e.what());
    }
    if (!root.is_object() || !root.contains("operators") || !root["operators"].is_array())
        fail("top level", "no \"operators\" array");

    std::vector<CtLog> logs;
    for (const json& op : root["operators"]) {
        if (!op.is_object()) fail("operators", "entry is not an object");
        const std::string name = op.contains("name") && op["name"].is_string() ? op["name"].get<std::string>()
                                                                               : "";
        for (const char* list : {"logs", "tiled_logs"}) {
            if (!op.contains(list)) continue;
            if (!op[list].is_array())
                fail("operator \"" + name + "\"", std::string("\"") + list + "\" is not an array");
            std::size_t index = 0;
            for (const json& entry : op[list]) logs.push_back(parse_log(entry, name, index++));
        }
    }
    for (std::size_t i = 0; i < logs.size(); ++i)
        for (std::size_t j = i + 1; j < logs.size(); ++j)
            if (logs[i].id == logs[j].id) fail("log \"" + logs[j].description + "\"", "listed twice");
    return logs;
}

CtLogListHeader parse_ct_log_list_header(std::string_view text) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        fail("JSON", e.what());
    }
    if (!root.is_object()) fail("top level", "not an object");
    CtLogListHeader header;
    if (root.contains("version")) {
        if (!root["version"].is_string()) fail("version", "not a string");
        header.version = root["version"].get<std::string>();
    }
    if (root.contains("log_list_timestamp"))
        header.timestamp = time_field("top level", root, "log_list_timestamp");
    return header;
}

std::string ct_log_refusal(const CtLog& log, TimePoint sct_time, TimePoint cert_not_after) {
    const std::string state(name_of(log.state));
    switch (log.state) {
    case CtLogState::usable:
    case CtLogState::qualified: break;
    case CtLogState::readonly:
    case CtLogState::retired:
        if (sct_time >= log.state_since)
            return "log " + state + " since " + rfc3339(log.state_since) + ", SCT of " + rfc3339(sct_time);
        break;
    case CtLogState::pending:
    case CtLogState::rejected:
    case CtLogState::none: return "log state " + state;
    }
    if ((log.interval_start && cert_not_after < *log.interval_start) ||
        (log.interval_end && cert_not_after >= *log.interval_end))
        return "certificate expiry " + rfc3339(cert_not_after) + " outside the log's temporal interval";
    return {};
}

}  // namespace smtpsec::tls

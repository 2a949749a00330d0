// The report for scripts: the verdict under its protocol name plus every
// lookup with its DNSSEC status.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "tools/check/report.h"

namespace smtpsec::check {
namespace {

using nlohmann::json;

json srv(const dns::SrvTarget& t) {
    return {{"priority", t.priority}, {"weight", t.weight}, {"port", t.port}, {"target", t.host}};
}

json address_set(const dns::AddressSet& set) {
    json list = json::array();
    for (const auto& a : set.addresses) list.push_back(a.to_string());
    return {{"security", dns::name_of(set.security)}, {"addresses", list}, {"reason", set.reason}};
}

json tlsa(const dns::TlsaResult& t) {
    json records = json::array();
    for (const auto& r : t.records) {
        std::string hex;
        for (auto b : r.data) hex += fmt::format("{:02x}", b);
        records.push_back(
            {{"usage", r.usage}, {"selector", r.selector}, {"matching_type", r.matching_type}, {"data", hex}});
    }
    return {
        {"query", t.query}, {"verdict", dns::name_of(t.verdict)}, {"records", records}, {"reason", t.reason}};
}

json probe(const ProbeResult& p, bool has_tlsa) {
    json checks = json::array();
    for (const auto& c : checks_of(p, has_tlsa))
        checks.push_back({{"check", c.name}, {"status", c.status}, {"detail", c.detail}});
    json out = {{"address", p.address},
                {"passed", p.passed()},
                {"failure", p.failure},
                {"server_hello", p.server_hello},
                {"server_hello_detail", p.server_hello_detail},
                {"checks", checks}};
    if (p.failure.empty())
        out["tls"] = {{"version", p.tls_version},
                      {"description", p.tls_description},
                      {"alpn", p.alpn ? json(*p.alpn) : json(nullptr)}};
    if (p.auth) out["authentication"] = {{"ok", p.auth->ok}, {"reason", p.auth->reason}};
    return out;
}

}  // namespace

std::string to_json(const Report& r) {
    const auto& d = r.discovery;
    json records = json::array();
    for (const auto& rec : d.records) records.push_back(srv(rec));
    json targets = json::array();
    for (const auto& t : r.targets) {
        json entry = srv(t.target);
        entry["addresses"] = {{"ipv4", address_set(t.addresses.ipv4)},
                              {"ipv6", address_set(t.addresses.ipv6)}};
        entry["tlsa"] = tlsa(t.tlsa);
        entry["skip_reason"] = t.skip_reason;
        if (r.probed) {
            json list = json::array();
            const bool has_tlsa = t.tlsa.verdict == dns::TlsaVerdict::secure && !t.tlsa.records.empty();
            for (const auto& p : t.probes) list.push_back(probe(p, has_tlsa));
            entry["tls_probes"] = list;
        }
        targets.push_back(entry);
    }
    json out = {
        {"domain", r.domain},
        {"verdict", dns::name_of(d.verdict)},
        {"smtp_allowed", dns::allows_smtp(d.verdict)},
        {"reason", d.reason},
        {"hint", dns_hint(r)},
        {"srv", {{"query", d.query}, {"security", dns::name_of(d.security)}, {"records", records}}},
        {"targets", targets},
        {"tls_probe", {{"ran", r.probed}, {"note", r.probe_note}, {"any_passed", any_probe_passed(r)}}},
    };
    return out.dump(2) + "\n";
}

}  // namespace smtpsec::check

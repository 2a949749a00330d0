// The --json form of smtpsec-dump: one object per Message on one line, field
// names as in appendix B, opaque bytes in hex, addresses and headers as text.
#include <nlohmann/json.hpp>

#include "tools/dump/dump.h"

namespace smtpsec::dump {
namespace {

using json = nlohmann::ordered_json;

std::string hex(const Bytes& b) { return to_hex(b.span()); }

struct ToJson {
    json& j;

    void operator()(const Error& e) {
        j["code"] = name_of(e.code);
        j["reference"] = e.message_number ? "message" : "none";
        if (e.message_number) j["messageNumber"] = *e.message_number;
        if (e.code == ErrorCode::unknown_address) j["addresses"] = e.unknown_addresses;
    }
    void operator()(const ServerHello& h) { j["version"] = h.version; }
    void operator()(const ClientHello& h) {
        j["version"] = h.version;
        json chains = json::array();
        for (const auto& chain : h.certificate_chains) {
            json certs = json::array();
            for (const auto& c : chain) certs.push_back(hex(c));
            chains.push_back(std::move(certs));
        }
        j["certificate_chains"] = std::move(chains);
    }
    void operator()(const Email& e) {
        j["certificate_chain"] = e.certificate_chain;
        j["signature_method"] = {{"algorithm", name_of(e.signature_method.algorithm)},
                                 {"parameters", hex(e.signature_method.parameters)}};
        j["signature"] = hex(e.signature);
        json headers = json::array();
        for (const auto& h : e.trace_headers) headers.push_back({{"name", h.name}, {"value", h.value}});
        j["trace_headers"] = std::move(headers);
        j["recipients"] = e.recipients;
        j["message"] = hex(e.message);
    }
    void operator()(const EmailDelivered& d) { j["email"] = d.email; }
};

}  // namespace

void print_json(const Entry& entry, std::string& out) {
    json j;
    j["number"] = entry.number;
    j["size"] = entry.size;
    if (entry.error) {
        if (entry.error->type) j["type"] = name_of(*entry.error->type);
        j["error"] = name_of(entry.error->code);
        j["reason"] = entry.error->reason;
    } else {
        const Message& m = *entry.message;
        j["type"] = name_of(m.type());
        json exts = json::array();
        for (const auto& ext : m.extensions)
            exts.push_back({{"type", ext.type == 0 ? json("require_security") : json(ext.type)},
                            {"data", hex(ext.data)}});
        j["extensions"] = std::move(exts);
        std::visit(ToJson{j}, m.body);
        if (entry.verification) {
            j["signature_valid"] = entry.verification->valid;
            j["signature_status"] = entry.verification->status;
        }
    }
    // Invalid UTF-8 in text fields is replaced, never a reason to stop.
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
}

}  // namespace smtpsec::dump

// The decision of docs/decisions.md points 21/22: name, then TLSA, then CA
// path and CT (see auth.h).
#include <optional>

#include "tls/pkix_path.h"
#include "tls/policy_state.h"

namespace smtpsec::tls {

namespace {

// GnuTLS's own verification depth limit.
constexpr std::size_t kMaxChain = 16;

AuthResult refuse(AuthResult result, std::string reason) {
    result.ok = false;
    result.reason = std::move(reason);
    return result;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
    return out;
}

std::string describe_name(const AuthResult& r) {
    return r.name_kind == NameKind::srv_name ? "SRVName " + r.matched_name : "name " + r.matched_name;
}

struct DaneTaOutcome {
    std::optional<VerifiedPath> path;
    std::string note;  // why the record was not satisfied
};

// RFC 7671 5.2 done soundly (libgnutls-dane's usage-2 check is not; see
// tlsa.h): the issuer certificate the record matches becomes the only trust
// anchor, and the chain must verify to it.
DaneTaOutcome check_dane_ta(const TlsaRecord& record, std::span<const gnutls_x509_crt_t> chain,
                            TimePoint now) {
    const std::string label = "TLSA " + tlsa_label(record);
    std::string failures;
    for (std::size_t i = 1; i < chain.size(); ++i) {
        if (!tlsa_matches(record, chain[i])) continue;
        TrustList anchor = make_trust_list();
        X509Crt copy = copy_of(chain[i]);
        gnutls_x509_crt_t raw = copy.get();
        if (gnutls_x509_trust_list_add_cas(anchor.get(), &raw, 1, 0) != 1) {
            failures += (failures.empty() ? "" : "; ") + label + " matched issuer " + subject_of(chain[i]) +
                        " but it cannot be used as a trust anchor";
            continue;
        }
        (void)copy.release();  // the trust list owns it now
        auto path = verify_path(anchor.get(), chain.subspan(0, i + 1), now);
        if (path) return {std::move(path).value(), {}};
        failures += (failures.empty() ? "" : "; ") + label + " matched issuer " + subject_of(chain[i]) +
                    " (chain position " + std::to_string(i) +
                    ") but chain does not verify to it: " + path.error();
    }
    if (failures.empty()) {
        failures = label + " matches no issuer certificate in the chain";
        if (tlsa_matches(record, chain[0])) failures += " (it matches the leaf, which is no trust anchor)";
    }
    return {std::nullopt, failures};
}

}  // namespace

AuthResult authenticate(const AuthPolicy& policy, std::span<const Bytes> chain, const AuthTarget& target,
                        std::string_view service_domain) {
    const AuthPolicy::State& state = state_of(policy);
    const TimePoint now = state.clock();
    AuthResult result;

    if (chain.empty()) return refuse(result, "empty certificate chain");
    if (chain.size() > kMaxChain)
        return refuse(result, "certificate chain of " + std::to_string(chain.size()) +
                                  " certificates, at most " + std::to_string(kMaxChain) + " accepted");
    std::vector<X509Crt> owned;
    std::vector<gnutls_x509_crt_t> certs;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto crt = import_der(chain[i].span());
        if (!crt)
            return refuse(result, "certificate at chain position " + std::to_string(i) +
                                      " does not parse: " + crt.error());
        certs.push_back(crt->get());
        owned.push_back(std::move(crt).value());
    }
    gnutls_x509_crt_t leaf = certs[0];

    // 1. Name.
    const std::string host = normalize_domain(target.host);
    const std::string domain = normalize_domain(service_domain);
    const auto name = match_name(leaf, host, domain);
    if (!name)
        return refuse(result, "certificate not valid for " + host + " nor SRVName _smtpsec." + domain + " (" +
                                  subject_of(leaf) + ")");
    result.name_kind = name->kind;
    result.matched_name = name->name;

    // 2. TLSA.
    std::vector<const TlsaRecord*> usable;
    for (const auto& record : target.tlsa)
        if (tlsa_usable(record)) usable.push_back(&record);
    for (const auto* record : usable) {
        if (record->usage == 3 && tlsa_matches(*record, leaf)) {
            result.ok = true;
            result.dane_ee = true;
            result.tlsa_matched = tlsa_label(*record);
            result.reason = "DANE-EE TLSA " + result.tlsa_matched + " matched the leaf; " +
                            describe_name(result) + "; no CA or CT needed";
            return result;
        }
    }

    std::vector<std::string> tlsa_notes;
    std::optional<VerifiedPath> path;
    for (const auto* record : usable) {
        if (record->usage == 3) {
            tlsa_notes.push_back("TLSA " + tlsa_label(*record) + " does not match the leaf");
        } else if (record->usage == 2 && !path) {
            auto outcome = check_dane_ta(*record, certs, now);
            if (outcome.path) {
                path = std::move(outcome.path);
                result.dane_ta = true;
                result.tlsa_matched = tlsa_label(*record);
            } else {
                tlsa_notes.push_back(std::move(outcome.note));
            }
        }
    }

    // 3a. The CA path, unless the DANE-TA anchor stands in for it.
    if (!result.dane_ta) {
        bool want_pkix = usable.empty();
        for (const auto* record : usable) want_pkix = want_pkix || record->usage <= 1;
        std::string pkix_error;
        if (want_pkix) {
            auto pkix = verify_path(state.trust.get(), certs, now);
            if (pkix) {
                result.pkix = true;
                path = std::move(pkix).value();
            } else {
                pkix_error = pkix.error();
            }
        }
        if (usable.empty()) {
            if (!result.pkix) return refuse(result, "CA verification failed: " + pkix_error);
        } else {
            for (const auto* record : usable) {
                if (record->usage > 1) continue;
                const std::string label = "TLSA " + tlsa_label(*record);
                if (!result.pkix) {
                    tlsa_notes.push_back(label + " needs a CA-verified chain: " + pkix_error);
                    continue;
                }
                bool matched = false;
                if (record->usage == 1) {
                    matched = tlsa_matches(*record, leaf);
                } else {
                    for (std::size_t position : path->positions)
                        matched = matched || tlsa_matches(*record, certs[position]);
                    if (!matched && path->anchor) matched = tlsa_matches(*record, path->anchor.get());
                }
                if (matched) {
                    result.tlsa_matched = tlsa_label(*record);
                    break;
                }
                tlsa_notes.push_back(label + (record->usage == 1 ? " does not match the leaf"
                                                                 : " matches no certificate on the CA path"));
            }
            if (result.tlsa_matched.empty())
                return refuse(result, "no TLSA record of _" + std::to_string(target.port) + "._tcp." + host +
                                          " satisfied: " + join(tlsa_notes));
        }
    }

    // 3b. Certificate Transparency.
    if (!policy.has_ct_logs())
        return refuse(
            result,
            "no CT log list configured: only a certificate matched by a DANE-EE TLSA record can be accepted");
    if (!path) return refuse(result, "internal error: no verified path for the CT check");
    gnutls_x509_crt_t issuer = path->leaf_issuer(certs);
    const std::vector<std::uint8_t> issuer_der = issuer ? der_of(issuer) : std::vector<std::uint8_t>{};
    const CtVerdict ct = check_embedded_scts(state.ct_logs, chain[0].span(), issuer_der, now, state.ct);
    result.valid_scts = ct.valid_logs;
    result.ct_ok = ct.ok;
    if (!ct.ok) return refuse(result, "certificate transparency: " + ct.detail);

    result.ok = true;
    result.reason = (result.dane_ta ? "DANE-TA TLSA " + result.tlsa_matched + " anchor verified"
                                    : "CA verified" + (result.tlsa_matched.empty()
                                                           ? std::string()
                                                           : " with TLSA " + result.tlsa_matched)) +
                    "; " + describe_name(result) + "; " + ct.detail;
    return result;
}

}  // namespace smtpsec::tls

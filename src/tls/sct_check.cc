// Embedded-SCT verification with OpenSSL 3's CT module.
//
// Why OpenSSL and not GnuTLS: GnuTLS 3.7 parses SCT lists but cannot verify them.
// Verifying one means rebuilding the precertificate TBSCertificate (the leaf's
// TBS without the SCT extension, DER lengths fixed) and the RFC 6962 signed
// structure; OpenSSL's libcrypto does exactly that (SCT_CTX via SCT_validate),
// is maintained and widely used, and keeps millisecond timestamps where GnuTLS
// truncates them to seconds. Hand-rolled DER surgery would be new code to get
// wrong. OpenSSL only answers "valid signature from a known log"; the log
// states, temporal intervals and the distinct-log/operator counts are ours.
#include "tls/sct_check.h"

#include <openssl/err.h>

#include <ctime>
#include <set>

namespace smtpsec::tls {

namespace {

std::string log_label(const CtLog& log) {
    return "log \"" + log.description + "\" (" + log.operator_name + ")";
}

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

CtVerdict check_embedded_scts(const CtLogStore& logs, std::span<const std::uint8_t> leaf_der,
                              std::span<const std::uint8_t> issuer_der, TimePoint now,
                              const CtRequirements& required) {
    CtVerdict verdict;
    struct ClearErrors {  // OpenSSL queues an error for each SCT it rejects
        ~ClearErrors() { ERR_clear_error(); }
    } clear_errors;

    const auto leaf = ossl::x509_from_der(leaf_der);
    if (!leaf) {
        verdict.detail = "OpenSSL cannot parse the certificate for its SCTs";
        return verdict;
    }
    int critical = -1;
    ossl::SctList scts(
        static_cast<STACK_OF(SCT)*>(X509_get_ext_d2i(leaf.get(), NID_ct_precert_scts, &critical, nullptr)));
    if (!scts || sk_SCT_num(scts.get()) <= 0) {
        verdict.detail = critical == -1   ? "no valid SCT from a trusted log (no SCT in the certificate)"
                         : critical == -2 ? "the certificate carries more than one SCT list extension"
                         : !scts          ? "the certificate's SCT list extension does not parse"
                                          : "no valid SCT from a trusted log (empty SCT list)";
        return verdict;
    }

    ossl::CtPolicyCtx ctx(CT_POLICY_EVAL_CTX_new_ex(nullptr, nullptr));
    if (!ctx || CT_POLICY_EVAL_CTX_set1_cert(ctx.get(), leaf.get()) != 1) {
        verdict.detail = "out of memory checking SCTs";
        return verdict;
    }
    ossl::X509Ptr issuer;
    if (!issuer_der.empty()) {
        issuer = ossl::x509_from_der(issuer_der);
        if (issuer && CT_POLICY_EVAL_CTX_set1_issuer(ctx.get(), issuer.get()) != 1) issuer.reset();
    }
    CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(ctx.get(), const_cast<CTLOG_STORE*>(logs.openssl()));
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    CT_POLICY_EVAL_CTX_set_time(ctx.get(), now_ms < 0 ? 0 : std::uint64_t(now_ms));

    const TimePoint cert_not_after = [&] {
        std::tm parts{};
        if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf.get()), &parts) != 1) return TimePoint{};
        using namespace std::chrono;
        const year_month_day day{year{parts.tm_year + 1900}, month{unsigned(parts.tm_mon + 1)},
                                 std::chrono::day{unsigned(parts.tm_mday)}};
        const sys_seconds at = sys_days{day} + hours{parts.tm_hour} + minutes{parts.tm_min} +
                               seconds{parts.tm_sec};
        return from_unix_seconds(at.time_since_epoch().count());
    }();

    std::set<const CtLog*> counted_logs;
    std::set<std::string> counted_operators;
    std::string notes;
    const int count = sk_SCT_num(scts.get());
    for (int i = 0; i < count; ++i) {
        SCT* sct = sk_SCT_value(scts.get(), i);
        SCT_validate(sct, ctx.get());
        unsigned char* id = nullptr;
        const std::size_t id_length = SCT_get0_log_id(sct, &id);
        const CtLog* log = id ? logs.find({id, id_length}) : nullptr;
        const TimePoint when = from_unix_milliseconds(SCT_get_timestamp(sct));

        std::string note;
        switch (SCT_get_validation_status(sct)) {
        case SCT_VALIDATION_STATUS_VALID:
            note = log ? ct_log_refusal(*log, when, cert_not_after) : "log unknown";
            if (note.empty()) {
                counted_logs.insert(log);
                counted_operators.insert(log->operator_name);
                note = "ok";
            }
            break;
        case SCT_VALIDATION_STATUS_UNKNOWN_LOG:
            note = "log unknown, id " + (id ? ossl::base64_of({id, id_length}) : std::string("missing"));
            break;
        case SCT_VALIDATION_STATUS_UNKNOWN_VERSION: note = "unknown SCT version"; break;
        case SCT_VALIDATION_STATUS_UNVERIFIED:
            note = "cannot be verified: the leaf's issuer is unknown";
            break;
        case SCT_VALIDATION_STATUS_INVALID:
            note = when > now ? "timestamp " + rfc3339(when) + " is in the future" : "signature invalid";
            break;
        default: note = "not validated"; break;
        }
        if (log) note = log_label(*log) + ": " + note;
        notes += (i ? "; #" : "#") + std::to_string(i + 1) + " " + note;
    }

    verdict.valid_logs = unsigned(counted_logs.size());
    verdict.valid_operators = unsigned(counted_operators.size());
    const std::string details = plural(std::size_t(count), "SCT") + ": " + notes;
    if (verdict.valid_logs == 0) {
        verdict.detail = "no valid SCT from a trusted log (" + details + ")";
    } else if (verdict.valid_logs < required.min_logs) {
        verdict.detail = "only " + plural(verdict.valid_logs, "valid SCT") + " from distinct trusted logs, " +
                         std::to_string(required.min_logs) + " required (" + details + ")";
    } else if (verdict.valid_operators < required.min_operators) {
        verdict.detail = "valid SCTs from only " + plural(verdict.valid_operators, "log operator") + ", " +
                         std::to_string(required.min_operators) + " required (" + details + ")";
    } else {
        verdict.ok = true;
        verdict.detail = plural(verdict.valid_logs, "valid SCT") + " from distinct trusted logs (" + details +
                         ")";
    }
    return verdict;
}

}  // namespace smtpsec::tls

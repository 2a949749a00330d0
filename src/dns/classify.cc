// From ub_result to Answer (see answer.h). This is where "bogus" must never
// be mistaken for "insecure". libunbound returns a bogus answer with rcode
// NOERROR and data present, so `bogus` is checked first; then only NOERROR
// or NXDOMAIN can be secure or provably insecure (an unsigned zone), and
// every other rcode is an error.
#include <unbound.h>

#include "dns/answer.h"

namespace smtpsec::dns {

std::string_view name_of(Security security) {
    switch (security) {
    case Security::secure: return "secure";
    case Security::insecure: return "insecure";
    case Security::bogus: return "bogus";
    case Security::error: return "error";
    }
    return "error";
}

std::string rcode_name(int rcode) {
    switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "rcode " + std::to_string(rcode);
    }
}

Answer failure(std::string reason) {
    Answer answer;
    answer.security = Security::error;
    answer.rcode = rcode::servfail;
    answer.reason = std::move(reason);
    return answer;
}

Answer classify(const ub_result& result) {
    Answer answer;
    answer.rcode = result.rcode;
    if (result.bogus) {
        answer.security = Security::bogus;
        answer.reason = result.why_bogus != nullptr && result.why_bogus[0] != '\0'
                            ? result.why_bogus
                            : "validation failure (no detail from the resolver)";
        return answer;
    }
    const bool final_rcode = result.rcode == rcode::noerror || result.rcode == rcode::nxdomain;
    if (!final_rcode) {
        // A failure is never "secure", whatever the flags say.
        answer.security = Security::error;
        answer.reason = rcode_name(result.rcode);
        return answer;
    }
    answer.security = result.secure ? Security::secure : Security::insecure;
    answer.ttl = result.ttl > 0 ? static_cast<std::uint32_t>(result.ttl) : 0;
    if (result.rcode == rcode::noerror && result.havedata && result.data != nullptr) {
        for (int i = 0; result.data[i] != nullptr; ++i) {
            const int length = result.len != nullptr ? result.len[i] : 0;
            if (length < 0) {
                return failure("resolver returned a record of negative length");
            }
            const auto* bytes = reinterpret_cast<const std::uint8_t*>(result.data[i]);
            answer.records.emplace_back(bytes, bytes + length);
        }
    }
    if (result.rcode == rcode::noerror && result.havedata && answer.records.empty()) {
        return failure("resolver reported data but returned no record");
    }
    return answer;
}

}  // namespace smtpsec::dns

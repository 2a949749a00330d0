// Start-up loading of the authentication policy: CA store, CT logs, clock.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tls/policy_state.h"

namespace smtpsec::tls {

namespace {

std::string read_text(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string(what) + " " + path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw std::runtime_error(std::string(what) + " " + path + ": read error");
    return text.str();
}

TrustList load_trust(const std::optional<std::string>& ca_pem, std::size_t& count) {
    TrustList list = make_trust_list();
    int added = 0;
    if (ca_pem) {
        const gnutls_datum_t pem = datum_of(std::string_view(*ca_pem));
        added = gnutls_x509_trust_list_add_trust_mem(list.get(), &pem, nullptr, GNUTLS_X509_FMT_PEM, 0, 0);
        if (added < 0) throw std::runtime_error(gnutls_error("CA certificates", added));
        if (added == 0) throw std::runtime_error("CA certificates: no certificate in the PEM text");
    } else {
        added = gnutls_x509_trust_list_add_system_trust(list.get(), 0, 0);
        if (added < 0) throw std::runtime_error(gnutls_error("system CA store", added));
    }
    count = std::size_t(added);
    return list;
}

}  // namespace

AuthPolicy::AuthPolicy(const AuthPolicyConfig& config) {
    if (config.ct.min_logs == 0) throw std::runtime_error("CT: at least one SCT must be required");
    std::size_t cas = 0;
    TrustList trust = load_trust(config.ca_pem, cas);
    std::vector<CtLog> logs;
    if (!config.ct_log_list_json.empty()) logs = parse_ct_log_list(config.ct_log_list_json);
    Clock clock = config.clock ? config.clock : Clock([] { return std::chrono::system_clock::now(); });
    state_ = std::make_shared<const State>(
        State{std::move(trust), cas, CtLogStore(std::move(logs)), config.ct, std::move(clock)});
}

AuthPolicy AuthPolicy::from_files(const std::string& ca_file, const std::string& ct_log_list_file,
                                  CtRequirements ct, Clock clock) {
    AuthPolicyConfig config;
    if (!ca_file.empty()) config.ca_pem = read_text(ca_file, "CA file");
    if (!ct_log_list_file.empty()) {
        config.ct_log_list_json = read_text(ct_log_list_file, "CT log list");
        if (config.ct_log_list_json.empty())
            throw std::runtime_error("CT log list " + ct_log_list_file + ": empty file");
    }
    config.ct = ct;
    config.clock = std::move(clock);
    return AuthPolicy(config);
}

bool AuthPolicy::has_ct_logs() const { return !state_->ct_logs.empty(); }
std::size_t AuthPolicy::ct_log_count() const { return state_->ct_logs.size(); }
std::size_t AuthPolicy::trusted_ca_count() const { return state_->trusted_cas; }
const CtRequirements& AuthPolicy::ct_requirements() const { return state_->ct; }
TimePoint AuthPolicy::now() const { return state_->clock(); }

const AuthPolicy::State& state_of(const AuthPolicy& policy) { return *policy.state_; }

}  // namespace smtpsec::tls

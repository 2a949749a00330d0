// See trust_age.h.
#include "daemon/trust_age.h"

#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "crypto/read_file.h"
#include "daemon/config_values.h"
#include "tls/time_text.h"

namespace smtpsec::daemon {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

std::optional<SystemTime> mtime_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return SystemTime(duration_cast<SystemTime::duration>(seconds(st.st_mtim.tv_sec) +
                                                          std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// The leaf's notAfter: the first certificate of a PEM chain.
std::optional<SystemTime> leaf_not_after(const std::string& path) {
    auto text = crypto::read_file(path);
    if (!text) return std::nullopt;
    gnutls_x509_crt_t crt = nullptr;
    if (gnutls_x509_crt_init(&crt) < 0) return std::nullopt;
    gnutls_datum_t data{reinterpret_cast<unsigned char*>(text->data()), static_cast<unsigned>(text->size())};
    std::optional<SystemTime> out;
    if (gnutls_x509_crt_import(crt, &data, GNUTLS_X509_FMT_PEM) >= 0) {
        const time_t t = gnutls_x509_crt_get_expiration_time(crt);
        if (t != static_cast<time_t>(-1)) out = tls::from_unix_seconds(t);
    }
    gnutls_x509_crt_deinit(crt);
    return out;
}

std::string days_text(seconds s) {
    const auto days = duration_cast<std::chrono::days>(s).count();
    return days == 1 ? "1 day" : fmt::format("{} days", days);
}

}  // namespace

TrustMaterialAge trust_material_age(const Config& config, SystemTime now, const std::string& package_anchor) {
    TrustMaterialAge out;
    if (const auto& file = config.tls.ct_log_list; !file.empty()) {
        if (auto modified = mtime_of(file)) {
            TrustMaterialAge::CtLogList list{file, "", std::nullopt, *modified, {}};
            if (auto text = crypto::read_file(file)) {
                try {
                    const auto root = nlohmann::json::parse(*text);
                    if (root.is_object() && root.contains("version") && root["version"].is_string())
                        list.version = root["version"].get<std::string>();
                    if (root.is_object() && root.contains("log_list_timestamp") &&
                        root["log_list_timestamp"].is_string())
                        list.published = tls::parse_rfc3339(root["log_list_timestamp"].get<std::string>());
                } catch (const nlohmann::json::exception&) {
                    // load_config reports a list that is not JSON.
                }
            }
            list.age = duration_cast<seconds>(now - list.published.value_or(list.modified));
            out.ct_log_list = std::move(list);
        }
    }
    auto certificate = [&](std::string role, const std::string& file) {
        if (file.empty()) return;
        if (auto not_after = leaf_not_after(file))
            out.certificates.push_back(
                {std::move(role), file, *not_after, duration_cast<seconds>(*not_after - now)});
    };
    if (!config.listener.addresses.empty())
        certificate("[listener] certificate", config.listener.certificate);
    for (const auto& s : config.signing)
        certificate(fmt::format("[[signing]] {} certificate", s.domain), s.certificate);

    const auto& anchor = config.dns.trust_anchor;
    if (!anchor.empty() && anchor != package_anchor) {
        const auto mine = mtime_of(anchor);
        const auto package = mtime_of(package_anchor);
        if (mine && package && *mine < *package) {
            auto a = crypto::read_file(anchor);
            auto b = crypto::read_file(package_anchor);
            if (a && b && *a != *b)
                out.trust_anchor_stale = fmt::format(
                    "[dns] trust_anchor \"{}\" differs from the package's \"{}\" (dns-root-data) and is "
                    "older "
                    "({} against {}): the root key may have rolled over since it was copied; copy the "
                    "package's "
                    "file again or point trust_anchor at it",
                    anchor, package_anchor, tls::rfc3339(*mine), tls::rfc3339(*package));
        }
    }
    return out;
}

std::vector<ConfigProblem> trust_material_warnings(const Config& config, SystemTime now,
                                                   const std::string& package_anchor) {
    std::vector<ConfigProblem> out;
    auto warn = [&](std::string reason) { out.push_back({config.file, 0, std::move(reason)}); };
    const auto age = trust_material_age(config, now, package_anchor);
    if (age.ct_log_list && age.ct_log_list->age > config.tls.ct_log_list_warn_age)
        warn(fmt::format(
            "[tls] ct_log_list \"{}\" is {} old ({} {}), more than ct_log_list_warn_age (\"{}\"): "
            "is smtpsec-ctlog-update.timer running? (smtpsec-ctlog-update(8))",
            age.ct_log_list->file, days_text(age.ct_log_list->age),
            age.ct_log_list->published ? "published" : "modified",
            tls::rfc3339(age.ct_log_list->published.value_or(age.ct_log_list->modified)),
            format_duration(config.tls.ct_log_list_warn_age)));
    for (const auto& c : age.certificates) {
        if (c.remaining <= seconds(0))
            warn(fmt::format("{} \"{}\" expired on {}: peers cannot authenticate this gateway", c.role,
                             c.file, tls::rfc3339(c.not_after)));
        else if (c.remaining < kCertificateWarning)
            warn(fmt::format("{} \"{}\" expires in {} ({}): renew it", c.role, c.file, days_text(c.remaining),
                             tls::rfc3339(c.not_after)));
    }
    if (age.trust_anchor_stale) warn(*age.trust_anchor_stale);
    return out;
}

}  // namespace smtpsec::daemon

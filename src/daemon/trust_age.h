// How old the gateway's trust material is (issue 18 point 3): the CT log
// list, its own certificates, the DNSSEC trust anchor.
//
// Why: each of these goes stale without anything failing at once. An old
// CT log list first refuses peers whose certificates use newer logs, later
// trusts logs nobody watches; an expired certificate stops every peer from
// authenticating us; an anchor copied before a root KSK rollover makes every
// DNSSEC answer bogus on the day of the rollover. Start-up, every reload and
// `smtpsecd -n` warn ahead of time (load_config adds these to its warnings),
// and `smtpsec-ctl status` shows the ages (trust_material_age()).
//
// "Older than the package's" trust anchor: Debian's dns-root-data (a
// dependency) ships the root key as /usr/share/dns/root.key and replaces it
// with a rollover; [dns] trust_anchor defaults to that file. A configured
// anchor that is another file, differs from the package's in content and was
// last modified before it has missed an update the package got. Same
// content, or a newer file (unbound-anchor keeps /var/lib/unbound/root.key
// current by RFC 5011), is not stale.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.h"

namespace smtpsec::daemon {

using SystemTime = std::chrono::system_clock::time_point;

inline constexpr const char* kPackageTrustAnchor = "/usr/share/dns/root.key";
inline constexpr auto kCertificateWarning = std::chrono::days(14);

struct TrustMaterialAge {
    // The CT log list ([tls] ct_log_list), when one is configured and readable.
    struct CtLogList {
        std::string file;
        std::string version;                  // its "version", may be empty
        std::optional<SystemTime> published;  // its "log_list_timestamp"
        SystemTime modified{};                // the file's mtime
        std::chrono::seconds age{0};          // now - published, or now - modified without a timestamp
    };
    std::optional<CtLogList> ct_log_list;

    // The listener's and each [[signing]] certificate (the leaf of each chain).
    struct Certificate {
        std::string role;  // "[listener] certificate", "[[signing]] a.test certificate"
        std::string file;
        SystemTime not_after{};
        std::chrono::seconds remaining{0};  // negative once expired
    };
    std::vector<Certificate> certificates;

    // Set when the configured anchor is older than `package_anchor` (see above): why.
    std::optional<std::string> trust_anchor_stale;
};

TrustMaterialAge trust_material_age(const Config& config, SystemTime now,
                                    const std::string& package_anchor = kPackageTrustAnchor);

// The warnings for `config` (not tied to a line of the config file).
std::vector<ConfigProblem> trust_material_warnings(const Config& config, SystemTime now,
                                                   const std::string& package_anchor = kPackageTrustAnchor);

}  // namespace smtpsec::daemon

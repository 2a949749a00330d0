// `smtpsecd -n`: the configuration check an operator (and the unit's
// ExecStartPre and ExecReload) runs before a start or a reload. Its exit
// status is non-zero for everything a reload would refuse, so that
// `systemctl reload` fails visibly instead of the daemon refusing quietly.
#include <ostream>

#include "daemon/config.h"
#include "daemon/config_as_user.h"

namespace smtpsec::daemon {

int check_config_command(const std::string& path, std::ostream& out, const DeeperCheck& deeper) {
    auto config = load_config(path);
    if (!config) {
        for (const auto& problem : config.error()) out << problem.to_string() << '\n';
        return 1;
    }
    // Run as root, the files are read again as the daemon reads them at reload.
    if (auto problems = problems_as_daemon_user(path, config->daemon); !problems.empty()) {
        for (const auto& problem : problems) out << problem.to_string() << '\n';
        return 1;
    }
    if (deeper) {
        if (auto problems = deeper(*config); !problems.empty()) {
            for (const auto& problem : problems) out << problem.to_string() << '\n';
            return 1;
        }
    }
    for (const auto& warning : config->warnings) {
        ConfigProblem shown = warning;
        shown.reason = "warning: " + shown.reason;
        out << shown.to_string() << '\n';
    }
    out << "configuration OK\n";
    return 0;
}

}  // namespace smtpsec::daemon

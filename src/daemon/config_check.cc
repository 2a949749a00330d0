// `smtpsecd -n`: the configuration check an operator runs before a reload.
#include <ostream>

#include "daemon/config.h"

namespace smtpsec::daemon {

int check_config_command(const std::string& path, std::ostream& out) {
    auto config = load_config(path);
    if (!config) {
        for (const auto& problem : config.error()) out << problem.to_string() << '\n';
        return 1;
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

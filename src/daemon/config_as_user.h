// The configuration loaded a second time as the daemon's user.
//
// Why: smtpsecd reads the files its configuration names as root at start
// (before it drops privileges) and as [daemon] user at every reload. A key
// only root can read (what certbot writes) started the daemon, passed
// `smtpsecd -n` run as root, and then every reload was refused while
// `systemctl reload` reported success (issue 14). `smtpsecd -n` as root (the
// unit's ExecStartPre and ExecReload) and smtpsecd's own start therefore load
// the file again in a child process that has become that user exactly as
// the daemon does (drop_privileges: supplementary groups, gid, uid), so that
// what a reload would refuse is refused before it matters.
#pragma once

#include <string>
#include <vector>

#include "daemon/config.h"

namespace smtpsec::daemon {

// When running as root and `daemon.user` names another user: the problems
// load_config(path) finds as that user, each reason ending with a note
// naming the user. Empty when there are none or nothing to check.
std::vector<ConfigProblem> problems_as_daemon_user(const std::string& path, const DaemonConfig& daemon);

}  // namespace smtpsec::daemon

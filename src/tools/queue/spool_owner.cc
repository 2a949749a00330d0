// See spool_owner.h.
#include "tools/queue/spool_owner.h"

#include <fmt/core.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace smtpsec::tools::queue {

std::string become_spool_owner(const std::string& directory) {
    if (::geteuid() != 0) return {};
    struct stat st {};
    if (::stat(directory.c_str(), &st) != 0 || st.st_uid == 0) return {};
    auto failed = [&](const char* step) {
        return fmt::format("{}: cannot become its owner (uid {}): {}: {}", directory, st.st_uid, step,
                           std::strerror(errno));
    };
    // The spool's group is the one its files get (the daemon's group).
    const gid_t gid = st.st_gid;
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(st.st_uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found) {
        if (::initgroups(pw.pw_name, gid) != 0) return failed("initgroups");
    } else if (::setgroups(0, nullptr) != 0) {
        return failed("setgroups");
    }
    if (::setresgid(gid, gid, gid) != 0) return failed("setresgid");
    if (::setresuid(st.st_uid, st.st_uid, st.st_uid) != 0) return failed("setresuid");
    if (::setuid(0) == 0)
        return fmt::format("{}: root could be regained after becoming its owner", directory);
    return {};
}

}  // namespace smtpsec::tools::queue

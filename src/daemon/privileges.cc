// See privileges.h.
#include "daemon/privileges.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace smtpsec::daemon {

Account lookup_account(const std::string& user, const std::string& group) {
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        throw std::runtime_error(fmt::format("user \"{}\" does not exist", user));
    Account account{pw.pw_uid, pw.pw_gid, user};
    if (!group.empty()) {
        ::group gr{};
        ::group* g = nullptr;
        if (getgrnam_r(group.c_str(), &gr, buffer.data(), buffer.size(), &g) != 0 || g == nullptr)
            throw std::runtime_error(fmt::format("group \"{}\" does not exist", group));
        account.gid = gr.gr_gid;
    }
    return account;
}

void give_to(const std::string& directory, const Account& account) {
    if (geteuid() != 0) return;
    auto own = [&](const std::filesystem::path& p) {
        if (::lchown(p.c_str(), account.uid, account.gid) != 0)
            throw std::runtime_error(
                fmt::format("{}: cannot give it to {}: {}", p.string(), account.name, std::strerror(errno)));
    };
    // A spool already owned by the account is left alone: a root held by a
    // capability bounding set without CAP_DAC_READ_SEARCH (a systemd unit's
    // sandbox) could not even list a 0700 directory of another user.
    // A missing one is made here, so that the user can fill it in.
    struct stat st {};
    if (::stat(directory.c_str(), &st) != 0) {
        if (errno != ENOENT || ::mkdir(directory.c_str(), 0700) != 0)
            throw std::runtime_error(fmt::format("{}: {}", directory, std::strerror(errno)));
    } else if (st.st_uid == account.uid && st.st_gid == account.gid) {
        return;
    }
    own(directory);
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        own(entry.path());
        if (entry.is_directory())
            for (const auto& inner : std::filesystem::directory_iterator(entry.path())) own(inner.path());
    }
}

void drop_privileges(const Account& account) {
    if (geteuid() != 0 || (getuid() == account.uid && getgid() == account.gid)) return;
    auto fail = [](const char* step) {
        throw std::runtime_error(fmt::format("dropping privileges: {}: {}", step, std::strerror(errno)));
    };
    if (initgroups(account.name.c_str(), account.gid) != 0) fail("initgroups");
    if (setresgid(account.gid, account.gid, account.gid) != 0) fail("setresgid");
    if (setresuid(account.uid, account.uid, account.uid) != 0) fail("setresuid");
    if (account.uid != 0 && setuid(0) == 0)
        throw std::runtime_error("dropping privileges: root could be regained");
}

}  // namespace smtpsec::daemon

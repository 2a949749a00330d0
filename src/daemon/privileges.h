// Dropping root after the sockets are bound (issue 6: "privileges dropped to
// a dedicated user after binding").
//
// Why a file of its own: the order matters and is easy to get wrong. The
// supplementary groups go first (setgroups needs root), then the gid, then
// the uid; afterwards regaining root must fail, which is checked.
#pragma once

#include <sys/types.h>
#include <string>

namespace smtpsec::daemon {

struct Account {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
};

// Looks `user` (and `group`, empty: the user's primary group) up. Throws
// std::runtime_error naming what is missing (a start-up failure).
Account lookup_account(const std::string& user, const std::string& group);

// Makes `directory` and everything in it, two levels deep (the spool's
// layout), belong to `account`, when running as root; makes it (0700) if
// missing; leaves it alone if it already belongs to `account`. Throws
// std::runtime_error naming the path on failure.
void give_to(const std::string& directory, const Account& account);

// Becomes `account` for good. A no-op when not root or already that user.
// Throws std::runtime_error if any step fails.
void drop_privileges(const Account& account);

}  // namespace smtpsec::daemon

// smtpsec-queue run as root becomes the owner of the spool before it touches
// anything.
//
// Why: the daemon runs as its own user and must be able to rewrite every
// file of its queue. A tool that wrote an entry's .env as root (0600) left
// the daemon with "Permission denied ... cannot record the new state" until
// it was restarted (issue 14). Becoming the spool directory's owner (uid and
// gid, supplementary groups dropped) makes every file it writes, renames or
// creates (tmp files, queue.lock, missing subdirectories) the daemon's,
// whatever the operation, and is what postsuper does (it runs as root and
// switches to the mail_owner before it edits Postfix's queue). fchown-ing
// each file instead would have to be remembered at every write, now and in
// code added later; a wrong owner would again go unnoticed until the daemon
// failed.
#pragma once

#include <string>

namespace smtpsec::tools::queue {

// When running as root and `directory` belongs to another user, becomes that
// user for good (its primary groups from the password database if it has an
// entry, else the directory's group alone). Returns an error text, or ""
// when done or nothing to do (not root, root-owned spool, or no such
// directory: the Spool reports that one).
std::string become_spool_owner(const std::string& directory);

}  // namespace smtpsec::tools::queue

// See fetch.h.
#include "tools/ctlog_update/fetch.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace smtpsec::tools {

std::string fetch_with_curl(const std::string& url, const std::string& file, std::size_t max_bytes) {
    const std::string limit = std::to_string(max_bytes);
    std::vector<std::string> args = {
        "curl",   "--fail",        "--silent", "--show-error", "--location", "--proto",
        "=https", "--proto-redir", "=https",   "--max-time",   "120",        "--max-filesize",
        limit,    "--output",      file,       "--",           url};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (const int rc = ::posix_spawnp(&pid, "curl", nullptr, nullptr, argv.data(), environ); rc != 0)
        return fmt::format("cannot run curl: {}", std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return fmt::format("waiting for curl: {}", std::strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    if (WIFEXITED(status))
        return fmt::format("curl {} failed with exit status {} (curl(1), EXIT CODES)", url,
                           WEXITSTATUS(status));
    return fmt::format("curl {} was killed by signal {}", url, WTERMSIG(status));
}

}  // namespace smtpsec::tools

// See config_as_user.h.
#include "daemon/config_as_user.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>

#include "daemon/privileges.h"

namespace smtpsec::daemon {
namespace {

// One problem per line through the pipe: FILE \t LINE \t REASON.
std::string flattened(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\t') c = ' ';
    return text;
}

[[noreturn]] void child(int fd, const std::string& path, const Account& account) {
    std::string text;
    try {
        drop_privileges(account);
        auto loaded = load_config(path);
        if (!loaded)
            for (const auto& p : loaded.error())
                text += fmt::format("{}\t{}\t{}\n", flattened(p.file), p.line, flattened(p.reason));
    } catch (const std::exception& e) {
        text = fmt::format("{}\t0\t{}\n", flattened(path), flattened(e.what()));
    }
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
}

}  // namespace

std::vector<ConfigProblem> problems_as_daemon_user(const std::string& path, const DaemonConfig& daemon) {
    if (::geteuid() != 0 || daemon.user.empty()) return {};
    Account account;
    try {
        account = lookup_account(daemon.user, daemon.group);
    } catch (const std::exception& e) {
        return {{path, 0, e.what()}};
    }
    if (account.uid == 0) return {};
    const std::string who = daemon.group.empty()
                                ? fmt::format("user \"{}\"", daemon.user)
                                : fmt::format("user \"{}\" and group \"{}\"", daemon.user, daemon.group);
    const std::string note = fmt::format(" (read as {}, as smtpsecd reads its files at every reload)", who);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return {{path, 0, fmt::format("cannot check the files as {}: pipe: {}", who, std::strerror(errno))}};
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return {{path, 0, fmt::format("cannot check the files as {}: fork: {}", who, std::strerror(errno))}};
    }
    if (pid == 0) {
        ::close(fds[0]);
        child(fds[1], path, account);
    }
    ::close(fds[1]);
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::vector<ConfigProblem> problems;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        problems.push_back(
            {path, 0, fmt::format("cannot check the files as {}: the check ended abnormally", who)});
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto tab1 = line.find('\t');
        const auto tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
        if (tab2 == std::string::npos) continue;
        ConfigProblem p;
        p.file = line.substr(0, tab1);
        p.line = static_cast<std::uint32_t>(
            std::strtoul(line.substr(tab1 + 1, tab2 - tab1 - 1).c_str(), nullptr, 10));
        p.reason = line.substr(tab2 + 1) + note;
        problems.push_back(std::move(p));
    }
    return problems;
}

}  // namespace smtpsec::daemon

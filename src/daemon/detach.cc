// See detach.h.
#include "daemon/detach.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace smtpsec::daemon {

Detacher::Detacher() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot detach: pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot detach: fork failed");
    if (pid > 0) {
        ::close(fds[1]);
        char byte = 0;
        ssize_t n;
        do n = ::read(fds[0], &byte, 1);
        while (n < 0 && errno == EINTR);
        if (n == 1) std::_Exit(0);
        int status = 0;
        ::waitpid(pid, &status, 0);
        std::_Exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 78);
    }
    ::close(fds[0]);
    fd_ = fds[1];
    if (::setsid() < 0) throw std::runtime_error("cannot detach: setsid failed");
}

void Detacher::ready() {
    if (fd_ < 0) return;
    const char byte = 1;
    (void)!::write(fd_, &byte, 1);
    ::close(fd_);
    fd_ = -1;
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
    }
}

}  // namespace smtpsec::daemon

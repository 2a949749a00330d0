// See pid_file.h.
#include "daemon/pid_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace smtpsec::daemon {

PidFile::PidFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) return;
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << ::getpid() << '\n';
        if (!out.flush())
            throw std::runtime_error(
                fmt::format("{}: cannot write the pid file: {}", tmp, std::strerror(errno)));
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0)
        throw std::runtime_error(
            fmt::format("{}: cannot write the pid file: {}", path_, std::strerror(errno)));
}

PidFile::~PidFile() {
    // Best effort: after dropping privileges the directory may not be ours.
    if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace smtpsec::daemon

// What the load and amplification tests measure and need of their own
// process: its resident memory and enough file descriptors for hundreds of
// connections held open at once.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

namespace smtpsec::test {

// VmRSS of this process in KiB, or -1 when /proc does not say.
inline long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// Raises the soft descriptor limit to 4096 (within the hard limit); the test
// needs at least `needed`.
inline void raise_fd_limit(rlim_t needed) {
    rlimit r{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &r) == 0);
    if (r.rlim_cur < 4096) {
        r.rlim_cur = std::min<rlim_t>(r.rlim_max, 4096);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &r) == 0);
    }
    REQUIRE(r.rlim_cur >= needed);
}

}  // namespace smtpsec::test

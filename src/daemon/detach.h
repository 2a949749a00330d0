// Going to the background without hiding start-up failures.
//
// Why not daemon(3) alone: after it the parent has exited 0, so an init
// script or an operator typing `smtpsecd` would never see that the listener
// port was taken. Here the parent waits until the child says it is ready
// (exits 0) or dies (exits with the child's failure status, 78).
#pragma once

namespace smtpsec::daemon {

class Detacher {
public:
    // Forks; returns in the child only (the parent waits and exits).
    // Throws std::runtime_error if fork or setsid fails.
    Detacher();
    // In the child, once start-up succeeded: releases the parent with 0 and
    // moves stdin/stdout/stderr to /dev/null.
    void ready();

private:
    int fd_ = -1;
};

}  // namespace smtpsec::daemon

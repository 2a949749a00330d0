// See request_server.h.
#include "daemon/request_server.h"

#include <fmt/format.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace smtpsec::daemon {

struct RequestServer::Connection {
    Connection(event::Loop& loop, net::UniqueFd f) : fd(std::move(f)), io(loop, {}), timer(loop, {}) {}
    net::UniqueFd fd;
    std::string received;
    std::string out;
    std::size_t sent = 0;
    bool answering = false;
    bool lingering = false;  // answer sent: reading what is left until EOF
    std::size_t discarded = 0;
    event::IoWatcher io;
    event::Timer timer;
};

RequestServer::RequestServer(event::Loop& loop, net::UniqueFd listening, Limits limits, Handler handler,
                             std::string timeout_answer)
    : loop_(loop),
      listening_(std::move(listening)),
      limits_(limits),
      handler_(std::move(handler)),
      timeout_answer_(std::move(timeout_answer)),
      accept_watcher_(loop, [this](int) { on_accept(); }) {}

RequestServer::~RequestServer() = default;

void RequestServer::start() {
    if (listening_ && open_.size() < limits_.max_connections)
        accept_watcher_.start(listening_.get(), EV_READ);
}

void RequestServer::on_accept() {
    retired_.clear();
    while (open_.size() < limits_.max_connections) {
        const int fd = ::accept4(listening_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN, or a connection that went away before accept
        auto c = std::make_unique<Connection>(loop_, net::UniqueFd(fd));
        Connection& ref = *c;
        open_.push_back(std::move(c));
        ref.io.set_callback([this, &ref](int revents) { on_io(ref, revents); });
        ref.timer.set_callback([this, &ref] { on_timeout(ref); });
        ref.io.start(fd, EV_READ);
        ref.timer.start(event::Timer::Seconds(limits_.timeout_seconds));
    }
    // Full: the backlog waits until a connection closes.
    if (open_.size() >= limits_.max_connections) accept_watcher_.stop();
}

void RequestServer::on_io(Connection& c, int revents) {
    retired_.clear();
    if (c.lingering) {
        linger(c);
        return;
    }
    if (c.answering) {
        if (revents & EV_WRITE) write_some(c);
        return;
    }
    char buffer[1024];
    for (;;) {
        const std::size_t room = limits_.max_request + 1 - c.received.size();
        const ssize_t n = ::read(c.fd.get(), buffer, std::min(sizeof buffer, room));
        if (n > 0) {
            c.received.append(buffer, static_cast<std::size_t>(n));
            if (auto text = handler_(c.received)) {
                answer(c, std::move(*text));
                return;
            }
            if (c.received.size() > limits_.max_request) {
                close(c);  // a handler that does not bound its request
                return;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        close(c);  // end of file before a whole request, or an error
        return;
    }
}

void RequestServer::on_timeout(Connection& c) {
    retired_.clear();
    if (c.answering || c.lingering || timeout_answer_.empty()) {
        close(c);
        return;
    }
    answer(c, timeout_answer_);
}

void RequestServer::answer(Connection& c, std::string text) {
    c.answering = true;
    c.out = std::move(text);
    c.sent = 0;
    c.timer.start(event::Timer::Seconds(limits_.timeout_seconds));  // for the client to take the answer
    write_some(c);
}

void RequestServer::write_some(Connection& c) {
    while (c.sent < c.out.size()) {
        const ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            c.io.start(c.fd.get(), EV_WRITE);
            return;
        }
        close(c);  // the client went away
        return;
    }
    // Closing a TCP socket with unread input sends a reset, which can
    // destroy the answer before the client reads it (a client that sent
    // more than the bound): say we are done, then read and drop what is
    // left until its end, for a bounded time and number of bytes.
    ::shutdown(c.fd.get(), SHUT_WR);
    c.lingering = true;
    c.timer.start(event::Timer::Seconds(2));
    c.io.start(c.fd.get(), EV_READ);
}

void RequestServer::linger(Connection& c) {
    constexpr std::size_t kMaxDiscarded = 64 * 1024;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(c.fd.get(), buffer, sizeof buffer);
        if (n > 0 && (c.discarded += static_cast<std::size_t>(n)) < kMaxDiscarded) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        close(c);
        return;
    }
}

void RequestServer::close(Connection& c) {
    c.io.stop();
    c.timer.stop();
    for (auto it = open_.begin(); it != open_.end(); ++it) {
        if (it->get() != &c) continue;
        retired_.splice(retired_.end(), open_, it);
        break;
    }
    c.fd.reset();
    start();
}

net::UniqueFd listen_unix(const std::string& path, unsigned mode, const std::string& group) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error(
            fmt::format("{}: path longer than {} bytes", path, sizeof address.sun_path - 1));
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    auto* sa = reinterpret_cast<const sockaddr*>(&address);
    net::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(fmt::format("{}: socket: {}", path, std::strerror(errno)));

    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw std::runtime_error(fmt::format("{}: exists and is not a socket", path));
        net::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe && ::connect(probe.get(), sa, sizeof address) == 0)
            throw std::runtime_error(fmt::format("{}: in use by another process", path));
        ::unlink(path.c_str());  // stale: left by a process that died
    }
    // Created 0600 and then opened up to `mode`: never wider than asked,
    // not even for a moment (umask is per process; this runs at start-up,
    // before the milter's threads exist).
    const mode_t old_mask = ::umask(0177);
    const int bound = ::bind(fd.get(), sa, sizeof address);
    const int bind_errno = errno;
    ::umask(old_mask);
    if (bound != 0) throw std::runtime_error(fmt::format("{}: bind: {}", path, std::strerror(bind_errno)));
    if (!group.empty()) {
        const struct group* g = ::getgrnam(group.c_str());
        if (!g || ::chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
            throw std::runtime_error(fmt::format("{}: cannot give it to group {}: {}", path, group,
                                                 g ? std::strerror(errno) : "no such group"));
    }
    if (::chmod(path.c_str(), mode) != 0)
        throw std::runtime_error(fmt::format("{}: chmod: {}", path, std::strerror(errno)));
    if (::listen(fd.get(), 16) != 0)
        throw std::runtime_error(fmt::format("{}: listen: {}", path, std::strerror(errno)));
    return fd;
}

}  // namespace smtpsec::daemon

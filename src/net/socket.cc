// See socket.h.
#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <cstring>

namespace smtpsec::net {
namespace {

void set_nodelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string errno_text(const char* what, int err) { return fmt::format("{}: {}", what, std::strerror(err)); }

}  // namespace

Expected<Endpoint, std::string> Endpoint::parse(const std::string& ip, std::uint16_t port) {
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
    if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        e.length = sizeof(sockaddr_in);
        return e;
    }
    if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        e.length = sizeof(sockaddr_in6);
        return e;
    }
    return Unexpected{fmt::format("'{}' is not an IPv4 or IPv6 address", ip)};
}

std::string Endpoint::ip() const {
    char text[INET6_ADDRSTRLEN] = "?";
    if (addr.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
    else
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
    return text;
}

std::string Endpoint::to_string() const {
    if (addr.ss_family == AF_INET) return fmt::format("{}:{}", ip(), port());
    return fmt::format("[{}]:{}", ip(), port());
}

std::uint16_t Endpoint::port() const {
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
}

Expected<UniqueFd, ConnectError> start_connect_checked(const Endpoint& to) {
    UniqueFd fd(::socket(to.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        int err = errno;
        return Unexpected{ConnectError{err, true, errno_text("socket", err)}};
    }
    set_nodelay(fd.get());
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to.addr), to.length) != 0 &&
        errno != EINPROGRESS) {
        int err = errno;
        return Unexpected{
            ConnectError{err, false, errno_text(fmt::format("connect to {}", to.to_string()).c_str(), err)}};
    }
    return fd;
}

Expected<UniqueFd, std::string> start_connect(const Endpoint& to) {
    auto fd = start_connect_checked(to);
    if (!fd) return Unexpected{fd.error().text};
    return std::move(*fd);
}

int connect_result(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
    return err;
}

Expected<UniqueFd, std::string> listen_on(const Endpoint& at, int backlog) {
    UniqueFd fd(::socket(at.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return Unexpected{errno_text("socket", errno)};
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (at.addr.ss_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&at.addr), at.length) != 0)
        return Unexpected{errno_text(fmt::format("bind {}", at.to_string()).c_str(), errno)};
    if (::listen(fd.get(), backlog) != 0)
        return Unexpected{errno_text(fmt::format("listen {}", at.to_string()).c_str(), errno)};
    return fd;
}

Endpoint local_endpoint(int fd) {
    Endpoint e;
    e.length = sizeof e.addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&e.addr), &e.length);
    return e;
}

Endpoint peer_endpoint(int fd) {
    Endpoint e;
    e.length = sizeof e.addr;
    ::getpeername(fd, reinterpret_cast<sockaddr*>(&e.addr), &e.length);
    return e;
}

Expected<UniqueFd, std::string> accept_from(int listen_fd) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR)
            return UniqueFd();
        return Unexpected{errno_text("accept", errno)};
    }
    set_nodelay(fd);
    return UniqueFd(fd);
}

}  // namespace smtpsec::net

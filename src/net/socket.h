// Non-blocking TCP sockets for every connection the gateway opens or accepts:
// addresses as text (IPv4 and IPv6), TCP_NODELAY always (a milter or SMTP
// exchange on loopback otherwise stalls on delayed ACKs).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "net/unique_fd.h"
#include "smtpsec/expected.h"

namespace smtpsec::net {

struct Endpoint {
    sockaddr_storage addr{};
    socklen_t length = 0;

    // "127.0.0.1", "::1" (no brackets) and a port.
    static Expected<Endpoint, std::string> parse(const std::string& ip, std::uint16_t port);
    std::string to_string() const;  // "127.0.0.1:25" or "[::1]:25"
    std::string ip() const;         // "127.0.0.1" or "::1"
    std::uint16_t port() const;
};

// Starts a non-blocking connect; completion is signalled by writability,
// then check connect_result().
Expected<UniqueFd, std::string> start_connect(const Endpoint& to);
// The same, for a caller that decides on the failure: the errno, and
// whether it came from socket() (our own resources) or from connect().
struct ConnectError {
    int code = 0;
    bool at_socket = false;
    std::string text;
};
Expected<UniqueFd, ConnectError> start_connect_checked(const Endpoint& to);
// 0 when the connect succeeded, else the errno it failed with.
int connect_result(int fd);

// A non-blocking listening socket (SO_REUSEADDR; IPV6_V6ONLY for IPv6).
Expected<UniqueFd, std::string> listen_on(const Endpoint& at, int backlog = 1024);
// The endpoint a socket is bound to (for port 0 in tests).
Endpoint local_endpoint(int fd);
Endpoint peer_endpoint(int fd);

// Accepts one connection, non-blocking with TCP_NODELAY; empty when none is waiting.
Expected<UniqueFd, std::string> accept_from(int listen_fd);

}  // namespace smtpsec::net

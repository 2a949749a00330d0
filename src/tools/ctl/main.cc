// smtpsec-ctl: asks a running smtpsecd over its control socket
// (man/smtpsec-ctl.8), as unbound-control asks unbound.
//
//   smtpsec-ctl [-s SOCKET] status|stats|reload|flush|queue
//
// Why a socket and not signals or files: status and counters live in the
// daemon's memory, and a reload asked this way answers with its outcome
// (a SIGHUP cannot). Who may ask is who may open the socket: root and the
// socket's group (mode 0660 in /run/smtpsecd, 0750).
//
// Exit status: 0 answered, 1 the daemon refused (an "error:" answer or a
// refused reload), 64 usage, 69 no daemon answers on the socket.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 64;
constexpr int kExitUnavailable = 69;
// The daemon's answers are a few KiB; a reload may take a few seconds.
constexpr std::size_t kMaxAnswer = 1 << 20;
constexpr int kTimeoutMs = 60'000;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

int fail(const std::string& socket, const std::string& what) {
    std::cerr << "smtpsec-ctl: " << socket << ": " << what
              << " (is smtpsecd running, with [control] socket = \"" << socket << "\"?)\n";
    return kExitUnavailable;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ask a running smtpsecd: status, counters, reload, flush, queue summary"};
    app.set_version_flag("-V,--version", std::string("smtpsec-ctl ") + SMTPSEC_VERSION,
                         "print the version and exit");
    std::string socket_path = "/run/smtpsecd/control.sock";
    app.add_option("-s,--socket", socket_path, "The daemon's control socket ([control] socket)")
        ->capture_default_str();
    app.require_subcommand(1, 1);
    app.add_subcommand("status", "Version, uptime, mode, sockets, queue size");
    app.add_subcommand("stats", "Every counter and gauge, one name.label=value per line");
    app.add_subcommand("reload", "Reload the configuration (as SIGHUP) and say whether it worked");
    app.add_subcommand("flush", "Make every recipient waiting in the queue due now");
    app.add_subcommand("queue", "Messages, held, recipients pending, oldest, the busiest domains");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kExitUsage;
    }
    const std::string command = app.get_subcommands().front()->get_name();

    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path) return fail(socket_path, "path too long");
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return fail(socket_path, std::strerror(errno));
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        return fail(socket_path, std::strerror(errno));
    const std::string request = command + "\n";
    if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
        return fail(socket_path, std::string("send: ") + std::strerror(errno));

    std::string answer;
    char buffer[4096];
    for (;;) {
        pollfd p{s.fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, kTimeoutMs);
        if (ready == 0) return fail(socket_path, "no answer within 60 s");
        if (ready < 0) {
            if (errno == EINTR) continue;
            return fail(socket_path, std::strerror(errno));
        }
        const ssize_t n = ::read(s.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(socket_path, std::strerror(errno));
        if (n == 0) break;
        if (answer.size() + static_cast<std::size_t>(n) > kMaxAnswer)
            return fail(socket_path, "answer too long");
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    if (answer.empty()) return fail(socket_path, "closed without an answer");
    std::cout << answer;
    if (answer.back() != '\n') std::cout << '\n';
    const bool refused = answer.rfind("error:", 0) == 0 || answer.rfind("reload refused", 0) == 0;
    return refused ? kExitRefused : 0;
}

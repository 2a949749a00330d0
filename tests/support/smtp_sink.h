// Postfix's smtp-sink (a real SMTP server) on a loopback port, dumping every
// transaction into a directory; stopped (SIGTERM, reaped) by the destructor.
//
// Why shared: the MTA client's driver test (tests/mta) and the re-injection
// test (tests/integration) both need a real MTA's SMTP behind them.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "net/socket.h"

extern char** environ;

namespace smtpsec::test {

class SmtpSink {
public:
    std::filesystem::path dir;
    std::string ip;
    std::uint16_t port;

    // `ip` numeric, "127.0.0.1" or "::1".
    explicit SmtpSink(std::filesystem::path d, std::string address = "127.0.0.1")
        : dir(std::move(d)), ip(std::move(address)), port(unused_port(ip)) {
        std::filesystem::create_directories(dir);
        std::filesystem::permissions(dir, std::filesystem::perms::all);  // smtp-sink runs as nobody
        const std::string at = ip.find(':') == std::string::npos ? fmt::format("{}:{}", ip, port)
                                                                 : fmt::format("[{}]:{}", ip, port);
        std::vector<std::string> args = {"/usr/sbin/smtp-sink",  "-u", "nobody", "-d",
                                         (dir / "%M.").string(), at,   "10"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start /usr/sbin/smtp-sink");
        // Ready when it accepts a connection.
        auto endpoint = net::Endpoint::parse(ip, port);
        for (int i = 0; endpoint && i < 100; ++i) {
            auto fd = net::start_connect(*endpoint);
            if (fd) {
                ::usleep(20000);
                if (net::connect_result(fd->get()) == 0) return;
            }
        }
        stop();
        throw std::runtime_error("smtp-sink did not start");
    }
    ~SmtpSink() { stop(); }
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    // The dumped transactions (complete once the client has the 250 to its final dot).
    std::vector<std::string> dumps() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            std::ifstream in(e.path(), std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            out.push_back(ss.str());
        }
        return out;
    }

private:
    static std::uint16_t unused_port(const std::string& ip) {
        auto any = net::Endpoint::parse(ip, 0);
        if (!any) throw std::runtime_error(any.error());
        auto fd = net::listen_on(*any);
        if (!fd) throw std::runtime_error(fd.error());
        return net::local_endpoint(fd->get()).port();
    }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
    }

    pid_t pid_ = 0;
};

}  // namespace smtpsec::test

// See fake_smtp_server.h.
#include "fake_smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace smtpsec::testing {

FakeConnection::FakeConnection(int fd, std::string* transcript, std::mutex* mutex, std::vector<std::string>* problems)
    : fd_(fd), transcript_(transcript), mutex_(mutex), problems_(problems) {}

void FakeConnection::problem(std::string text) {
    std::lock_guard lock(*mutex_);
    problems_->push_back(std::move(text));
}

void FakeConnection::send(std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            problem("server send failed");
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool FakeConnection::fill(std::chrono::milliseconds timeout) {
    if (eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    if (consumed_ > 0) {  // compact before growing: reading stays linear
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    std::lock_guard lock(*mutex_);
    transcript_->append(buf, static_cast<std::size_t>(n));
    return true;
}

std::string FakeConnection::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t crlf;
    while ((crlf = buffer_.find("\r\n", consumed_)) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) return "";
    }
    std::string line = buffer_.substr(consumed_, crlf + 2 - consumed_);
    consumed_ = crlf + 2;
    return line;
}

std::string FakeConnection::read_data(std::chrono::milliseconds timeout) {
    std::string data;
    while (true) {
        std::string line = read_line(timeout);
        if (line.empty()) {
            problem("DATA ended without the final dot");
            return data;
        }
        data += line;
        if (line == ".\r\n") return data;
    }
}

bool FakeConnection::expect(std::string_view expected) {
    std::string line = read_line();
    if (line == expected) return true;
    problem("expected '" + std::string(expected) + "', got '" + line + "'");
    return false;
}

bool FakeConnection::quiet_for(std::chrono::milliseconds wait) { return consumed_ == buffer_.size() && !fill(wait); }

bool FakeConnection::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        fill(left);
    }
    return true;
}

void FakeConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

FakeSmtpServer::FakeSmtpServer(std::vector<Script> scripts, const char* ip) {
    sockaddr_storage ss{};
    socklen_t len;
    bool v6 = std::string_view(ip).find(':') != std::string_view::npos;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        ::inet_pton(AF_INET6, ip, &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        ::inet_pton(AF_INET, ip, &a->sin_addr);
        len = sizeof *a;
    }
    listen_fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::listen(listen_fd_, 16) != 0)
        throw std::runtime_error("fake smtp server: cannot listen");
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    thread_ = std::thread([this, scripts = std::move(scripts)]() mutable { run(std::move(scripts)); });
}

FakeSmtpServer::~FakeSmtpServer() {
    join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

void FakeSmtpServer::join() {
    if (thread_.joinable()) thread_.join();
}

void FakeSmtpServer::run(std::vector<Script> scripts) {
    for (auto& script : scripts) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) {
            std::lock_guard lock(mutex_);
            problems_.push_back("no connection came");
            return;
        }
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        {
            std::lock_guard lock(mutex_);
            ++accepted_;
            if (accepted_ > 1) transcript_ += "|\n";
        }
        FakeConnection c(fd, &transcript_, &mutex_, &problems_);
        script(c);
        c.close();
    }
}

std::uint16_t closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace smtpsec::testing

// A scripted SMTP server on loopback for the injector's tests.
//
// Why a thread with blocking sockets: the script reads like the dialogue it
// checks ("read 4 lines, then answer"), and a client that does not pipeline
// shows up as a read that times out. Catch2 assertions are not thread-safe,
// so the script records problems in `problems()` and every byte received in
// `transcript()`; the test checks both after join().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace smtpsec::testing {

class FakeConnection {
public:
    explicit FakeConnection(int fd, std::string* transcript, std::mutex* mutex, std::vector<std::string>* problems);

    void send(std::string_view text);
    // One line including its CRLF; "" on EOF or after `timeout`.
    std::string read_line(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    // Reads lines up to and including "." CRLF; returns them all.
    std::string read_data(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    // True if the next line is exactly `expected` (else records a problem).
    bool expect(std::string_view expected);
    // True if no byte arrives within `wait` (the client is waiting for us).
    bool quiet_for(std::chrono::milliseconds wait);
    // True if the client closes within `timeout`; bytes before it are recorded.
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    void problem(std::string text);
    void close();

private:
    bool fill(std::chrono::milliseconds timeout);

    int fd_;
    std::string buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already returned
    bool eof_ = false;
    std::string* transcript_;
    std::mutex* mutex_;
    std::vector<std::string>* problems_;
};

class FakeSmtpServer {
public:
    using Script = std::function<void(FakeConnection&)>;

    // Listens on `ip`, port 0; runs scripts[i] on the i-th accepted connection.
    explicit FakeSmtpServer(std::vector<Script> scripts, const char* ip = "127.0.0.1");
    ~FakeSmtpServer();

    std::uint16_t port() const { return port_; }
    void join();
    // After join(): everything received, connections separated by "|\n".
    const std::string& transcript() const { return transcript_; }
    const std::vector<std::string>& problems() const { return problems_; }
    int accepted() const { return accepted_; }

private:
    void run(std::vector<Script> scripts);

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::string transcript_;
    std::vector<std::string> problems_;
    int accepted_ = 0;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
std::uint16_t closed_port();

}  // namespace smtpsec::testing

// The control socket's and the metrics endpoint's request languages
// (src/daemon/control_protocol.h) and the bounded server both run on
// (src/daemon/request_server.h), over real sockets on a real loop: each
// known request gets its answer, every hostile one a specific refusal, and
// no client can hold more than its share (connections, bytes, time).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/control_protocol.h"
#include "daemon/request_server.h"
#include "event/loop.h"
#include "event/timer.h"

using namespace smtpsec;
using namespace smtpsec::daemon;
using State = ControlRequest::State;

TEST_CASE("control: each command is one line; the answer waits for its newline", "[control]") {
    CHECK(parse_control_request("stat").state == State::incomplete);
    for (auto [text, command] : {std::pair{"status\n", ControlCommand::status},
                                 {"stats\n", ControlCommand::stats},
                                 {"reload\r\n", ControlCommand::reload},
                                 {"flush\n", ControlCommand::flush},
                                 {"queue\n", ControlCommand::queue}}) {
        auto r = parse_control_request(text);
        INFO(text);
        CHECK(r.state == State::complete);
        CHECK(r.command == command);
    }
}

TEST_CASE("control: unknown, binary, long and pipelined requests each get their own error", "[control]") {
    CHECK(parse_control_request("shutdown\n").error ==
          "error: unknown command (8 bytes); known: status, stats, reload, flush, queue\n");
    CHECK(parse_control_request("STATUS\n").state == State::bad);
    CHECK(parse_control_request("rm -rf /\n").error == "error: the request is not a command line\n");
    CHECK(parse_control_request(std::string("sta\0tus\n", 8)).error ==
          "error: the request is not a command line\n");
    // Binary without a newline is refused at once, not when the bound is reached.
    CHECK(parse_control_request("\x16\x03\x01").state == State::bad);
    CHECK(parse_control_request(std::string(63, 's')).state == State::incomplete);
    CHECK(parse_control_request(std::string(64, 's')).error == "error: request longer than 64 bytes\n");
    CHECK(parse_control_request(std::string(70, 's') + "\n").error ==
          "error: request longer than 64 bytes\n");
    CHECK(parse_control_request("status\nstats\n").error == "error: one command per connection\n");
    CHECK(parse_control_request("\n").state == State::bad);
}

TEST_CASE("http: GET /metrics in HTTP/1.0 and 1.1, with header fields or none, CRLF or bare LF",
          "[control]") {
    using H = HttpRequest::State;
    CHECK(parse_http_request("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n").state == H::complete);
    CHECK(parse_http_request("GET /metrics HTTP/1.0\r\n\r\n").state == H::complete);
    CHECK(parse_http_request("GET /metrics HTTP/1.0\n\n").state == H::complete);
    CHECK(parse_http_request("GET /metrics?x=1 HTTP/1.1\r\n\r\n").state == H::complete);
    CHECK(parse_http_request("GET /metrics HTTP/1.1\r\nHost: x\r\n").state == H::incomplete);
    CHECK(parse_http_request("GET /metr").state == H::incomplete);
}

TEST_CASE("http: every other request gets its status code", "[control]") {
    auto status = [](std::string_view text) {
        auto r = parse_http_request(text);
        return r.state == HttpRequest::State::bad ? r.status : 0;
    };
    CHECK(status("POST /metrics HTTP/1.1\r\n\r\n") == 405);
    CHECK(status("GET / HTTP/1.1\r\n\r\n") == 404);
    CHECK(status("GET /metricsx HTTP/1.1\r\n\r\n") == 404);
    CHECK(status("GET /metrics HTTP/2.0\r\n\r\n") == 505);
    CHECK(status("GET /metrics SMTP\r\n\r\n") == 400);
    CHECK(status("GET  /metrics HTTP/1.1\r\n\r\n") == 400);
    CHECK(status("GET /metrics\r\n\r\n") == 400);
    CHECK(status("GET /m\x01trics HTTP/1.1\r\n\r\n") == 400);
    CHECK(status("GET /" + std::string(kMaxHttpRequest, 'a')) == 414);
    CHECK(status("GET /metrics HTTP/1.1\r\nX: " + std::string(kMaxHttpRequest, 'a')) == 431);
}

TEST_CASE("http: a response says its length, its type and that the connection closes", "[control]") {
    CHECK(http_response(200, kPrometheusContentType, "a 1\n") ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 4\r\n"
          "Connection: close\r\n\r\na 1\n");
    CHECK(http_response(405, "text/plain", "").find("\r\nAllow: GET\r\n") != std::string::npos);
}

namespace {

// A control-style server on a Unix socket in a temporary directory.
struct Fixture {
    std::string dir;
    std::string path;
    event::Loop loop;
    std::unique_ptr<RequestServer> server;
    int answered = 0;

    explicit Fixture(RequestServer::Limits limits) {
        char tmpl[] = "/tmp/smtpsec-control-test.XXXXXX";
        dir = ::mkdtemp(tmpl);
        path = dir + "/control.sock";
        server = std::make_unique<RequestServer>(
            loop, listen_unix(path, 0660, ""), limits,
            [this](std::string_view received) -> std::optional<std::string> {
                auto r = parse_control_request(received);
                if (r.state == ControlRequest::State::incomplete) return std::nullopt;
                ++answered;
                if (r.state == ControlRequest::State::bad) return r.error;
                return std::string(name_of(r.command)) + " answered\n";
            },
            "error: request timeout\n");
        server->start();
    }
    ~Fixture() {
        server.reset();
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }

    int connect_client() const {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        return fd;
    }
    // Lets the server see what the clients did (a close, a new connection).
    void settle() {
        for (int i = 0; i < 50; ++i) {
            loop.run_nowait();
            ::usleep(1000);
        }
    }
    // Runs the loop until `fd` has an answer and is closed, or `seconds` pass.
    std::string read_all(int fd, double seconds = 3) {
        std::string out;
        const double end = loop.now() + seconds;
        for (;;) {
            loop.run_nowait();
            char b[4096];
            ssize_t n = ::read(fd, b, sizeof b);
            if (n > 0) out.append(b, static_cast<std::size_t>(n));
            if (n == 0) break;
            loop.update_now();
            if (loop.now() > end) break;
            ::usleep(1000);
        }
        return out;
    }
};

}  // namespace

TEST_CASE("server: a command is answered and the connection closed", "[control]") {
    Fixture f({});
    int fd = f.connect_client();
    REQUIRE(::write(fd, "status\n", 7) == 7);
    CHECK(f.read_all(fd) == "status answered\n");
    ::close(fd);
    f.settle();
    CHECK(f.server->connections() == 0);
}

TEST_CASE("server: a request sent a byte at a time is still one request", "[control]") {
    Fixture f({});
    int fd = f.connect_client();
    for (char c : std::string("queue\n")) {
        REQUIRE(::write(fd, &c, 1) == 1);
        f.loop.run_nowait();
    }
    CHECK(f.read_all(fd) == "queue answered\n");
    ::close(fd);
}

TEST_CASE("server: a client that sends a never-ending line is answered once, at the bound, and closed",
          "[control]") {
    Fixture f({});
    int fd = f.connect_client();
    const std::string junk(10000, 'x');
    (void)!::write(fd, junk.data(), junk.size());
    CHECK(f.read_all(fd) == "error: request longer than 64 bytes\n");
    CHECK(f.answered == 1);
    ::close(fd);
}

TEST_CASE("server: a client that says nothing gets the timeout answer", "[control]") {
    RequestServer::Limits limits;
    limits.timeout_seconds = 0.2;
    Fixture f(limits);
    int fd = f.connect_client();
    CHECK(f.read_all(fd, 3) == "error: request timeout\n");
    ::close(fd);
    f.settle();
    CHECK(f.server->connections() == 0);
}

TEST_CASE("server: over max_connections, new clients wait in the backlog until one closes", "[control]") {
    RequestServer::Limits limits;
    limits.max_connections = 2;
    limits.timeout_seconds = 30;
    Fixture f(limits);
    int idle1 = f.connect_client();
    int idle2 = f.connect_client();
    f.loop.run_nowait();
    f.loop.run_nowait();
    CHECK(f.server->connections() == 2);
    int third = f.connect_client();  // the kernel queues it; we do not accept it yet
    REQUIRE(::write(third, "stats\n", 6) == 6);
    CHECK(f.read_all(third, 0.3) == "");
    CHECK(f.server->connections() == 2);
    ::close(idle1);  // the server sees the end of file, closes, accepts the third
    CHECK(f.read_all(third) == "stats answered\n");
    ::close(third);
    ::close(idle2);
}

TEST_CASE("listen_unix: a stale socket is replaced, a live one or another file is refused", "[control]") {
    Fixture f({});
    CHECK_THROWS_WITH(listen_unix(f.path, 0660, ""), Catch::Contains("in use by another process"));
    const std::string plain = f.dir + "/plain";
    ::close(::creat(plain.c_str(), 0600));
    CHECK_THROWS_WITH(listen_unix(plain, 0660, ""), Catch::Contains("exists and is not a socket"));
    ::unlink(plain.c_str());
    f.server.reset();  // the file stays, nobody accepts: stale
    CHECK_NOTHROW(listen_unix(f.path, 0660, ""));
}

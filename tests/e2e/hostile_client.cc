// A hostile SMTPsec client for the hostile-client suite (issue 13,
// hostile_e2e.sh): connects to a real smtpsecd listener with real TLS, signs
// Emails with a real gateway key (an attacker who controls an authenticated
// domain), and runs the steps given on its command line, well formed or not.
// It prints what the server answered, one line per Message:
//   ServerHello 0 | EmailDelivered N | Error CODE N|- [addr,addr] | closed clean|REASON
// (long runs of answers are summarised), so that the script can assert the
// exact answers. Why a program: the steps (2^24 frames, a 32 MiB ClientHello,
// a sender that never reads) cannot be produced by swaks or by our client.
//
//   hostile_client --connect IP:PORT --name mx.b.test --cert C --key K STEP...
//   hostile_client --idle N --connect IP:PORT --source IP --hold SECONDS
// Steps: hello | empty-chains=N | from=VALUE | to=A,B | subject=S |
//   header=LINE (added to the next Emails) | email | emails=N | junk=N |
//   error=CODE[:REF] | wait=N (answers in all) | wait-close[=SECONDS] | flood=SECONDS
//   (junk without reading) | sleep=SECONDS | chains=N (hello with our chain
//   repeated N times) | padchain=N (hello: one chain, our leaf + N copies) |
//   newdomains=N (N Emails, each From a new domain)
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "event/loop.h"
#include "event/timer.h"
#include "net/socket.h"
#include "outbound/sign_email.h"
#include "smtpsec/codec.h"
#include "tls/stream.h"

using namespace smtpsec;

namespace {

bool run_until(event::Loop& loop, const std::function<bool()>& done, double seconds) {
    bool timed_out = false;
    event::Timer guard(loop, [&] { timed_out = true; });
    guard.start(event::Timer::Seconds(seconds));
    while (!done() && !timed_out) loop.run_once();
    return !timed_out;
}

std::vector<std::uint8_t> frame(std::uint64_t size, std::uint8_t type) {
    std::vector<std::uint8_t> out;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(size >> shift));
    out.push_back(type);
    out.push_back(0);
    out.push_back(0);
    return out;
}

std::optional<ErrorCode> code_named(const std::string& name) {
    for (int c = 0; c <= 7; ++c)
        if (name_of(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
    return std::nullopt;
}

class Client final : private tls::Stream::Handler {
public:
    std::vector<std::string> lines;
    std::size_t answers = 0;
    bool closed = false;

    Client(event::Loop& loop, net::UniqueFd fd, const std::string& name) : loop_(loop) {
        auto creds = tls::Credentials::client();
        auto conn = tls::Connection::client(std::move(fd), *creds, name);
        if (!conn) throw std::runtime_error(conn.error());
        stream_ = std::make_unique<tls::Stream>(loop, std::move(*conn), framer_,
                                                static_cast<tls::Stream::Handler&>(*this));
        stream_->start();
    }
    void write(std::vector<std::uint8_t> bytes) {
        if (!closed) stream_->write(bytes);
    }
    std::size_t pending() const { return closed ? 0 : stream_->pending_output(); }
    void pause(bool p) {
        if (!closed) stream_->pause_input(p);
    }
    void note(std::string line) { lines.push_back(std::move(line)); }

private:
    void on_handshake_done() override {}
    void on_input() override {
        while (auto ev = framer_.next()) {
            ++answers;
            auto* f = std::get_if<Framer::Frame>(&*ev);
            if (!f) {
                note("unframable");
                continue;
            }
            auto m = decode(f->bytes);
            if (!m) {
                note("undecodable " + m.error().reason);
                continue;
            }
            if (auto* e = std::get_if<Error>(&m->body)) {
                std::string list;
                for (const auto& a : e->unknown_addresses) list += (list.empty() ? "" : ",") + a;
                note(fmt::format("Error {} {}{}", name_of(e->code),
                                 e->message_number ? std::to_string(*e->message_number) : "-",
                                 e->code == ErrorCode::unknown_address ? " [" + list + "]" : ""));
            } else if (auto* d = std::get_if<EmailDelivered>(&m->body)) {
                note(fmt::format("EmailDelivered {}", d->email));
            } else if (auto* h = std::get_if<ServerHello>(&m->body)) {
                note(fmt::format("ServerHello {}", h->version));
            } else {
                note(fmt::format("{}", name_of(m->type())));
            }
        }
    }
    void on_closed(bool clean, const std::string& reason) override {
        closed = true;
        note(clean ? "closed clean" : "closed " + reason);
    }

    event::Loop& loop_;
    Framer framer_{64 << 20};
    std::unique_ptr<tls::Stream> stream_;
};

net::UniqueFd connect_to(const std::string& at, const std::string& source) {
    auto colon = at.rfind(':');
    auto ep = net::Endpoint::parse(at.substr(0, colon),
                                   static_cast<std::uint16_t>(std::stoi(at.substr(colon + 1))));
    if (!ep) throw std::runtime_error("bad --connect " + at);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (!source.empty()) {
        sockaddr_in src{};
        src.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
            throw std::runtime_error("bind source");
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&ep->addr), ep->length) != 0) {
        ::close(fd);
        return net::UniqueFd();
    }
    return net::UniqueFd(fd);
}

// Opens `count` plain TCP connections from `source` and holds them; prints
// how many the server had closed after `hold` seconds.
int idle(const std::string& at, const std::string& source, int count, double hold) {
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    std::vector<net::UniqueFd> fds;
    for (int i = 0; i < count; ++i) {
        auto fd = connect_to(at, source);
        if (fd) fds.push_back(std::move(fd));
    }
    std::cout << "opened " << fds.size() << std::endl;
    ::usleep(static_cast<useconds_t>(hold * 1e6));
    int closed = 0;
    for (auto& fd : fds) {
        pollfd p{fd.get(), POLLIN, 0};
        char c;
        if (::poll(&p, 1, 0) == 1 && ::recv(fd.get(), &c, 1, MSG_DONTWAIT) <= 0) ++closed;
    }
    std::cout << "closed by the server " << closed << " open " << fds.size() - closed << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"hostile SMTPsec client for tests"};
    std::string at, name, cert, key, source;
    int idle_count = 0;
    double hold = 5;
    std::vector<std::string> steps;
    app.add_option("--connect", at)->required();
    app.add_option("--name", name);
    app.add_option("--cert", cert);
    app.add_option("--key", key);
    app.add_option("--source", source);
    app.add_option("--idle", idle_count);
    app.add_option("--hold", hold);
    app.add_option("steps", steps);
    CLI11_PARSE(app, argc, argv);
    try {
        if (idle_count > 0) return idle(at, source, idle_count, hold);
        auto id = SigningIdentity::load(cert, key);
        if (!id) throw std::runtime_error(id.error());
        event::Loop loop;
        auto fd = connect_to(at, source);
        if (!fd) throw std::runtime_error("connect failed");
        ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
        Client c(loop, std::move(fd), name);
        run_until(
            loop, [&] { return c.answers >= 1 || c.closed; }, 10);
        std::string from = "Alice <alice@a.test>", subject = "hostile", extra;
        std::vector<std::string> to = {"bob@b.test"};
        std::uint64_t next_id = 1;
        auto email = [&] {
            outbound::OutboundEmail e;
            e.id = next_id++;
            e.domain = "b.test";
            e.recipients = to;
            std::string tolist;
            for (const auto& r : to) tolist += (tolist.empty() ? "" : ", ") + r;
            e.message = Bytes::copy_of(
                fmt::format("SMTPsec-Used:\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\n{}\r\nbody of {}\r\n",
                            from, tolist, subject, extra, subject));
            auto m = outbound::sign_email(id->key, e);
            if (!m) throw std::runtime_error(m.error());
            return encode(*m);
        };
        // Writes `total` frames of `unit`, a chunk at a time as output drains.
        auto pump = [&](const std::vector<std::uint8_t>& unit, std::uint64_t total, bool reading,
                        double seconds) {
            const std::uint64_t per_chunk = std::max<std::uint64_t>(1, (256 << 10) / unit.size());
            std::uint64_t sent = 0;
            auto start = std::chrono::steady_clock::now();
            c.pause(!reading);
            while (!c.closed && sent < total) {
                if (seconds > 0 &&
                    std::chrono::steady_clock::now() - start > std::chrono::duration<double>(seconds))
                    break;
                if (c.pending() < (1 << 20)) {
                    std::vector<std::uint8_t> chunk;
                    auto n = std::min(per_chunk, total - sent);
                    chunk.reserve(n * unit.size());
                    for (std::uint64_t i = 0; i < n; ++i) chunk.insert(chunk.end(), unit.begin(), unit.end());
                    c.write(std::move(chunk));
                    sent += n;
                }
                loop.run_once();
            }
            c.pause(false);
            return sent;
        };
        for (const auto& step : steps) {
            auto eq = step.find('=');
            std::string verb = step.substr(0, eq), arg = eq == std::string::npos ? "" : step.substr(eq + 1);
            if (verb == "hello") {
                c.write(encode(Message{{}, ClientHello{0, {id->chain}}}));
            } else if (verb == "chains") {
                c.write(encode(
                    Message{{}, ClientHello{0, std::vector<CertificateChain>(std::stoul(arg), id->chain)}}));
            } else if (verb == "padchain") {
                // One chain: our leaf (and the rest of our chain), then N more copies of the leaf.
                CertificateChain chain = id->chain;
                for (unsigned long i = 0, n = std::stoul(arg); i < n; ++i) chain.push_back(id->chain[0]);
                c.write(encode(Message{{}, ClientHello{0, {chain}}}));
            } else if (verb == "newdomains") {
                // N Emails, each From a domain never seen before.
                auto keep = from;
                for (unsigned long i = 0, n = std::stoul(arg); i < n; ++i) {
                    from = fmt::format("alice@n{}-{}.test", ::getpid(), i);
                    c.write(email());
                    if (i % 50 == 49)
                        run_until(
                            loop, [&] { return c.closed || c.pending() == 0; }, 30);
                }
                from = keep;
            } else if (verb == "empty-chains") {
                std::uint64_t n = std::stoull(arg), size = 8 + 1 + 2 + 1 + 3 + 2 * n;
                auto head = frame(size, 2);
                head.push_back(0);
                for (int s = 16; s >= 0; s -= 8) head.push_back(static_cast<std::uint8_t>(n >> s));
                c.write(head);
                auto sent = pump({0, 0}, n, true, 0);
                std::cout << "sent " << sent << " empty chains" << std::endl;
            } else if (verb == "from") {
                from = arg;
            } else if (verb == "to") {
                to.clear();
                std::size_t p = 0;
                for (;;) {
                    auto comma = arg.find(',', p);
                    to.push_back(arg.substr(p, comma - p));
                    if (comma == std::string::npos) break;
                    p = comma + 1;
                }
            } else if (verb == "subject") {
                subject = arg;
            } else if (verb == "header") {
                extra += arg + "\r\n";
            } else if (verb == "email") {
                c.write(email());
            } else if (verb == "emails") {
                for (unsigned long i = 0, n = std::stoul(arg); i < n; ++i) c.write(email());
            } else if (verb == "junk") {
                auto sent = pump(frame(11, 99), std::stoull(arg), true, 0);
                std::cout << "sent " << sent << " junk frames" << std::endl;
            } else if (verb == "flood") {
                auto sent = pump(frame(11, 99), ~0ull, false, std::stod(arg));
                std::cout << "sent " << sent << " junk frames without reading" << std::endl;
            } else if (verb == "error") {
                auto colon = arg.find(':');
                auto code = code_named(arg.substr(0, colon));
                if (!code) throw std::runtime_error("no error code " + arg);
                std::optional<std::uint32_t> ref;
                if (colon != std::string::npos)
                    ref = static_cast<std::uint32_t>(std::stoul(arg.substr(colon + 1)));
                c.write(encode(Message{{}, Error{*code, ref, {}}}));
            } else if (verb == "wait") {
                auto n = std::stoul(arg);
                run_until(
                    loop, [&] { return c.answers >= n || c.closed; }, 60);
            } else if (verb == "wait-close") {
                run_until(
                    loop, [&] { return c.closed; }, arg.empty() ? 60 : std::stod(arg));
            } else if (verb == "sleep") {
                run_until(
                    loop, [] { return false; }, std::stod(arg));
            } else {
                throw std::runtime_error("unknown step " + step);
            }
        }
        // Everything written, then a moment for late answers.
        run_until(
            loop, [&] { return c.closed || c.pending() == 0; }, 30);
        run_until(
            loop, [&] { return c.closed; }, 0.5);
        std::map<std::string, std::size_t> counts;
        for (const auto& l : c.lines) ++counts[l.substr(0, l.rfind(' '))];
        if (c.lines.size() <= 60) {
            for (const auto& l : c.lines) std::cout << l << "\n";
        } else {
            for (std::size_t i = 0; i < 20; ++i) std::cout << c.lines[i] << "\n";
            std::cout << "... " << c.lines.size() - 30 << " more\n";
            for (std::size_t i = c.lines.size() - 10; i < c.lines.size(); ++i)
                std::cout << c.lines[i] << "\n";
        }
        for (const auto& [k, n] : counts) std::cout << "count " << k << ": " << n << "\n";
        std::cout << std::flush;
    } catch (const std::exception& e) {
        std::cerr << "hostile_client: " << e.what() << std::endl;
        return 2;
    }
    return 0;
}

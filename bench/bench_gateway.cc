// Gateway-to-gateway benchmark (issue 4's closing figures): an outbound
// Deliverer (ga.test) and an inbound Listener (gb.test) in one process on one
// loop, real TLS 1.3 on loopback, real DNSSEC answers from the DNS fixture,
// and a sink LocalDelivery behind the listener. Figures, each next to a
// baseline measured in the same run:
//  - 1 KiB Emails over one connection (msgs/s) vs. a bare Ed25519 sign +
//    verify of the same message (the protocol's unavoidable crypto per Email);
//  - 10 MiB Emails (MB/s), signed with Ed25519 and with ECDSA P-256, vs. the
//    one-core crypto of the same message: a raw GnuTLS signature and
//    verification of it (PureEdDSA hashes it twice to sign and once to
//    verify, ECDSA once each way) and AES-256-GCM both ways (TLS);
//  - the listener's RSS with 1,000 idle TLS connections (VmRSS delta; the
//    clients live in a forked child so only the listener side is counted).
#include <fmt/core.h>
#include <gnutls/crypto.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "dns/resolver.h"
#include "event/io_watcher.h"
#include "event/loop.h"
#include "event/timer.h"
#include "inbound/listener.h"
#include "net/socket.h"
#include "outbound/deliverer.h"
#include "smtpsec/signature.h"
#include "support/dns_fixture.h"
#include "tls/pki_helper.h"
#include "tls/stream.h"

using namespace smtpsec;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

template <typename T, typename E>
T must(Expected<T, E> v, const char* what) {
    if (!v) throw std::runtime_error(what);
    return std::move(*v);
}

class Sink : public inbound::LocalDelivery {
public:
    std::size_t count = 0;
    void deliver(inbound::LocalDeliveryRequest, Callback callback) override {
        ++count;
        callback({inbound::LocalDeliveryResult::Kind::delivered, {}, "250 sink"});
    }
};

void run_until(event::Loop& loop, const std::function<bool()>& done, double seconds) {
    bool timed_out = false;
    event::Timer guard(loop, [&] { timed_out = true; });
    guard.start(event::Timer::Seconds(seconds));
    while (!done() && !timed_out) loop.run_once();
    if (timed_out) throw std::runtime_error("timed out");
}

// AES-256-GCM over `text` in 16 KiB records, as TLS 1.3 sends it (MB/s).
double aes_gcm_mbps(const std::string& text) {
    std::array<unsigned char, 32> key_bytes{};
    gnutls_datum_t key{key_bytes.data(), key_bytes.size()};
    gnutls_aead_cipher_hd_t aead = nullptr;
    if (gnutls_aead_cipher_init(&aead, GNUTLS_CIPHER_AES_256_GCM, &key) < 0) throw std::runtime_error("aead");
    std::unique_ptr<std::remove_pointer_t<gnutls_aead_cipher_hd_t>, void (*)(gnutls_aead_cipher_hd_t)> owner(
        aead, gnutls_aead_cipher_deinit);
    std::vector<unsigned char> cipher(16384 + 16);
    std::array<unsigned char, 12> nonce{};
    constexpr int rounds = 5;
    const auto start = Clock::now();
    for (int r = 0; r < rounds; ++r)
        for (std::size_t at = 0; at < text.size(); at += 16384) {
            std::size_t n = std::min<std::size_t>(16384, text.size() - at), out_len = cipher.size();
            ++nonce[0];
            if (gnutls_aead_cipher_encrypt(aead, nonce.data(), nonce.size(), nullptr, 0, 16, text.data() + at,
                                           n, cipher.data(), &out_len) < 0)
                throw std::runtime_error("encrypt");
        }
    return rounds * static_cast<double>(text.size()) / 1e6 / since(start);
}

std::string message_of(std::size_t body_bytes) {
    std::string m = "SMTPsec-Used:\r\nFrom: alice@ga.test\r\nTo: bob@gb.test\r\nSubject: bench\r\n\r\n";
    std::string line(76, 'x');
    line += "\r\n";
    while (m.size() + line.size() <= body_bytes) m += line;
    m += std::string(body_bytes > m.size() + 2 ? body_bytes - m.size() - 2 : 0, 'y') + "\r\n";
    return m;
}

// 1,000 idle TLS clients in a child process: connect, handshake, then hold.
class IdleClient final : private tls::Stream::Handler {
public:
    bool ready = false;
    IdleClient(event::Loop& loop, const net::Endpoint& at, std::shared_ptr<const tls::Credentials> creds) {
        auto fd = must(net::start_connect(at), "connect");
        pollfd p{fd.get(), POLLOUT, 0};
        ::poll(&p, 1, 5000);
        stream_ = std::make_unique<tls::Stream>(
            loop, must(tls::Connection::client(std::move(fd), creds, "mx.gb.test"), "tls"), framer_,
            static_cast<tls::Stream::Handler&>(*this));
        stream_->start();
    }

private:
    void on_handshake_done() override {}
    void on_input() override {
        while (framer_.next()) ready = true;  // the ServerHello
    }
    void on_closed(bool, const std::string&) override {}
    Framer framer_{1 << 16};
    std::unique_ptr<tls::Stream> stream_;
};

[[noreturn]] void idle_clients_child(std::uint16_t port, int ready_fd, int hold_fd, int count) {
    event::Loop loop;
    auto creds = must(tls::Credentials::client(), "creds");
    auto at = must(net::Endpoint::parse("127.0.0.1", port), "endpoint");
    std::vector<std::unique_ptr<IdleClient>> clients;
    for (int i = 0; i < count; ++i) clients.push_back(std::make_unique<IdleClient>(loop, at, creds));
    run_until(
        loop,
        [&] {
            for (auto& c : clients)
                if (!c->ready) return false;
            return true;
        },
        60);
    char b = 1;
    if (::write(ready_fd, &b, 1) != 1) ::_exit(1);
    ::read(hold_fd, &b, 1);  // until the parent closes it
    ::_exit(0);
}

}  // namespace

int main(int argc, char** argv) try {
    // "small", "large" or "idle" runs that part alone (to profile it).
    const std::string only = argc > 1 ? argv[1] : "";
    auto runs = [&](const char* part) { return only.empty() || only == part; };
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = std::min<rlim_t>(r.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &r);

    testpki::TestPki pki;
    auto dir = std::filesystem::temp_directory_path() / fmt::format("bench-gateway-{}", ::getpid());
    std::filesystem::create_directories(dir);
    auto gb_files = testpki::TestPki::write(pki.leaf({"mx.gb.test"}), dir, "gb");
    auto ga_files = testpki::TestPki::write(pki.leaf({"mx.ga.test"}, {}, testpki::KeyType::ed25519), dir,
                                            "ga");
    auto ga_p256_files = testpki::TestPki::write(pki.leaf({"mx.ga.test"}, {}, testpki::KeyType::ecdsa_p256),
                                                 dir, "ga-p256");
    testpki::write_file(dir / "ca.pem", pki.ca_pem());
    testpki::write_file(dir / "logs.json", pki.log_list_json());
    tls::CtRequirements ct;
    ct.min_logs = 1;
    ct.min_operators = 1;
    auto policy = std::make_shared<const tls::AuthPolicy>(
        tls::AuthPolicy::from_files(dir / "ca.pem", dir / "logs.json", ct));

    auto reserved = must(net::listen_on(must(net::Endpoint::parse("127.0.0.1", 0), "ep")), "listen");
    const std::uint16_t port = net::local_endpoint(reserved.get()).port();
    std::string records;
    for (const char* zone : {"ga", "gb"}) {
        records += fmt::format("{0}.test _smtpsec._tcp.{0}.test. 3600 IN SRV 0 0 {1} mx.{0}.test.\n", zone,
                               port);
        records += fmt::format("{0}.test mx.{0}.test. 3600 IN A 127.0.0.1\n", zone);
    }
    test::DnsFixture dns(records);
    event::Loop loop;
    dns::Resolver resolver(loop, dns.resolver_config());

    inbound::InboundSettings settings;
    settings.credentials = must(tls::Credentials::server(gb_files.cert, gb_files.key), "server creds");
    settings.authserv_id = "mx.gb.test";
    settings.accept_domains = {"gb.test"};
    settings.limits.max_emails_per_connection = 1u << 30;
    Sink sink;
    inbound::OriginAuthenticator authenticator(resolver, policy);
    int next_id = 0;
    inbound::InboundContext context{loop, settings, authenticator, sink,
                                    [&] { return fmt::format("IN{}", ++next_id); }};
    inbound::Listener listener(context, 2000);
    listener.adopt(std::move(reserved));  // bound before DNS started: nobody can take the port meanwhile

    auto identity = must(SigningIdentity::load(ga_files.cert, ga_files.key), "identity");
    outbound::ConnectionSettings cs{
        must(tls::Credentials::client(), "client creds"), policy, identity.chain, {}};
    // The RSS figure waits for the sender's connection to idle out; the
    // default 5 s would only be dead time here.
    cs.timeouts.idle = 0.2;
    outbound::Deliverer deliverer(loop, resolver, identity.key, cs);
    auto identity_p256 = must(SigningIdentity::load(ga_p256_files.cert, ga_p256_files.key), "identity");
    outbound::ConnectionSettings cs_p256 = cs;
    cs_p256.our_chain = identity_p256.chain;
    outbound::Deliverer deliverer_p256(loop, resolver, identity_p256.key, cs_p256);

    auto send_all = [&](const std::string& text, int count, outbound::Deliverer& through) {
        int done = 0, delivered = 0;
        for (int i = 0; i < count; ++i) {
            outbound::OutboundEmail e;
            e.id = static_cast<std::uint64_t>(i + 1);
            e.domain = "gb.test";
            e.recipients = {"bob@gb.test"};
            e.message = Bytes::copy_of(text);
            through.deliver(std::move(e), [&](outbound::DeliveryReport rep) {
                ++done;
                if (rep.recipients[0].status == outbound::RecipientStatus::delivered) ++delivered;
            });
        }
        run_until(
            loop, [&] { return done == count; }, 600);
        if (delivered != count) throw std::runtime_error(fmt::format("{} of {} delivered", delivered, count));
    };

    // 1 KiB Emails, one connection.
    if (runs("small")) {
        const auto kib = message_of(1024);
        send_all(kib, 50, deliverer);  // warm-up: DNS cached, connection open
        const auto accepted_before = listener.accepted();
        constexpr int n = 3000;
        auto t0 = Clock::now();
        send_all(kib, n, deliverer);
        const double rate = n / since(t0);
        const auto connections_used = listener.accepted() - accepted_before;

        auto verifier = must(VerifyingKey::from_certificate_der(identity.chain[0].span()), "verifier");
        const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(kib.data()), kib.size());
        t0 = Clock::now();
        for (int i = 0; i < n; ++i) {
            auto sig = must(identity.key.sign(bytes), "sign");
            if (verifier.verify(identity.key.algorithm(), bytes, sig) != VerifyStatus::valid)
                throw std::runtime_error("verify");
        }
        const double crypto_rate = n / since(t0);
        fmt::print(
            "1 KiB Emails over one reused connection ({} new): {:.0f} msgs/s; Ed25519 sign+verify alone: "
            "{:.0f}/s; ratio {:.2f}\n",
            connections_used, rate, crypto_rate, rate / crypto_rate);
    }

    // 10 MiB Emails, with each key type, against the same message's crypto.
    if (runs("large")) {
        const auto big = message_of(10u << 20);
        const auto big_bytes = std::span(reinterpret_cast<const std::uint8_t*>(big.data()), big.size());
        const double aes_mbps = aes_gcm_mbps(big);
        auto large = [&](const char* name, const SigningIdentity& id, outbound::Deliverer& through) {
            send_all(big, 1, through);  // warm-up (connection, buffers)
            constexpr int big_n = 5;
            auto start = Clock::now();
            send_all(big, big_n, through);
            const double mbps = big_n * static_cast<double>(big.size()) / 1e6 / since(start);
            auto key_verifier = must(VerifyingKey::from_certificate_der(id.chain[0].span()), "verifier");
            start = Clock::now();
            for (int i = 0; i < big_n; ++i) {
                auto sig = must(id.key.sign(big_bytes), "sign");
                if (key_verifier.verify(id.key.algorithm(), big_bytes, sig) != VerifyStatus::valid)
                    throw std::runtime_error("verify");
            }
            const double sign_verify_mbps = big_n * static_cast<double>(big.size()) / 1e6 / since(start);
            const double limit = 1 / (1 / sign_verify_mbps + 2 / aes_mbps);
            fmt::print(
                "10 MiB Emails, {}: {:.1f} MB/s; one-core crypto of the same message {:.0f} MB/s "
                "(sign+verify {:.0f} MB/s, AES-256-GCM twice at {:.0f} MB/s); ratio {:.2f}\n",
                name, mbps, limit, sign_verify_mbps, aes_mbps, mbps / limit);
        };
        large("Ed25519", identity, deliverer);
        large("ECDSA P-256", identity_p256, deliverer_p256);
    }
    if (!runs("idle")) {
        std::filesystem::remove_all(dir);
        return 0;
    }

    // RSS with 1,000 idle TLS connections (clients in a child process).
    run_until(
        loop, [&] { return listener.connections() == 0; }, 30);  // the sender's connection idles out
    constexpr int idle = 1000;
    int ready[2], hold[2];
    if (::pipe(ready) != 0 || ::pipe(hold) != 0) throw std::runtime_error("pipe");
    const long rss_before = rss_kib();
    pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        ::close(hold[1]);
        idle_clients_child(port, ready[1], hold[0], idle);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    // The pipe is watched by the loop: a predicate polled between loop
    // iterations is only looked at when some other event wakes the loop, and
    // with every connection idle that was the next timer, a minute later.
    bool child_ready = false;
    event::IoWatcher ready_watch(loop, [&](int) { child_ready = true; });
    ready_watch.start(ready[0], EV_READ);
    run_until(
        loop, [&] { return child_ready; }, 120);
    ready_watch.stop();
    const auto held = listener.connections();
    const long rss_after = rss_kib();
    ::close(hold[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    run_until(
        loop, [&] { return listener.connections() == 0; }, 30);
    fmt::print("listener RSS with {} idle TLS connections: {} MiB -> {} MiB, +{:.1f} KiB per connection\n",
               held, rss_before / 1024, rss_after / 1024,
               static_cast<double>(rss_after - rss_before) / static_cast<double>(held));
    std::filesystem::remove_all(dir);
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "bench_gateway: {}\n", e.what());
    return 1;
}

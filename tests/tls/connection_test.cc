// TLS connections over loopback: the handshake, ALPN policy of decisions
// docs/decisions.md point 16 (smtpsec/0 accepted, no ALPN accepted, only other
// protocols refused with no_application_protocol), data both ways,
// close_notify.
#include <gnutls/gnutls.h>
#include <poll.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "crypto/test_certificates.h"
#include "event/loop.h"
#include "event/timer.h"
#include "net/socket.h"
#include "smtpsec/framer.h"
#include "tls/connection.h"
#include "tls/stream.h"

using namespace smtpsec;
namespace fs = std::filesystem;

namespace {

struct ServerFiles {
    fs::path dir;
    std::string chain, key;
    Bytes der;
    ServerFiles() {
        dir = fs::temp_directory_path() / ("tls-conn-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        auto cert = testing::make_test_certificate(SignatureAlgorithm::ecdsa_secp256r1_sha256, "mx.b.test");
        chain = (dir / "chain.pem").string();
        key = (dir / "key.pem").string();
        std::ofstream(chain) << cert.cert_pem;
        std::ofstream(key) << cert.key_pem;
        der = cert.der;
    }
    ~ServerFiles() { fs::remove_all(dir); }
};

struct Pair {
    net::UniqueFd listener, client, server;
    Pair() {
        auto at = net::Endpoint::parse("127.0.0.1", 0);
        REQUIRE(at);
        auto l = net::listen_on(*at);
        REQUIRE(l);
        listener = std::move(*l);
        auto c = net::start_connect(net::local_endpoint(listener.get()));
        REQUIRE(c);
        client = std::move(*c);
        pollfd p{listener.get(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 2000) == 1);
        auto s = net::accept_from(listener.get());
        REQUIRE(s);
        REQUIRE(*s);
        server = std::move(*s);
    }
};

void wait_for(int fd, tls::IOState state) {
    pollfd p{fd, static_cast<short>(state == tls::IOState::NeedWrite ? POLLOUT : POLLIN), 0};
    ::poll(&p, 1, 50);
}

// Steps both handshakes until both finish or one fails.
std::pair<Expected<tls::IOState, std::string>, Expected<tls::IOState, std::string>> handshake_both(
    tls::Connection& server, std::function<Expected<tls::IOState, std::string>()> client_step) {
    Expected<tls::IOState, std::string> s = tls::IOState::NeedRead, c = tls::IOState::NeedRead;
    for (int i = 0; i < 400; ++i) {
        if (c && *c != tls::IOState::Done) c = client_step();
        if (s && *s != tls::IOState::Done) s = server.handshake();
        if ((!s || *s == tls::IOState::Done) && (!c || *c == tls::IOState::Done)) break;
        if (!s || !c) {
            // Let the other side read the alert.
            for (int k = 0; k < 20; ++k) {
                if (c && *c != tls::IOState::Done) c = client_step();
                if (s && *s != tls::IOState::Done) s = server.handshake();
                if (!s && !c) break;
                ::poll(nullptr, 0, 5);
            }
            break;
        }
        wait_for(server.fd(), *s);
    }
    return {s, c};
}

}  // namespace

TEST_CASE("client and server complete a TLS 1.3 handshake with ALPN smtpsec/0") {
    ServerFiles files;
    auto screds = tls::Credentials::server(files.chain, files.key);
    REQUIRE(screds);
    auto ccreds = tls::Credentials::client();
    REQUIRE(ccreds);
    Pair p;
    auto server = tls::Connection::server(std::move(p.server), *screds);
    auto client = tls::Connection::client(std::move(p.client), *ccreds, "mx.b.test");
    REQUIRE(server);
    REQUIRE(client);
    auto [s, c] = handshake_both(*server, [&] { return client->handshake(); });
    REQUIRE(s);
    REQUIRE(c);
    CHECK(client->version() == "TLS1.3");
    CHECK(client->alpn() == std::string("smtpsec/0"));
    CHECK(server->alpn() == std::string("smtpsec/0"));
    auto chain = client->peer_chain();
    REQUIRE(chain.size() == 1);
    CHECK(chain[0] == files.der);
    CHECK(server->peer_chain().empty());  // no client certificates

    // 1 MiB from client to server, then close_notify.
    std::vector<std::uint8_t> data(1 << 20);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    std::vector<std::uint8_t> got;
    std::size_t sent = 0;
    std::vector<std::uint8_t> buf(16384);
    bool closed = false;
    for (int i = 0; i < 20000 && !closed; ++i) {
        if (sent < data.size()) {
            auto w = client->write({data.data() + sent, std::min<std::size_t>(16384, data.size() - sent)});
            REQUIRE(w);
            sent += w->bytes;
        } else {
            auto b = client->bye();
            REQUIRE(b);
        }
        auto r = server->read(buf);
        REQUIRE(r);
        if (r->state == tls::IOState::Done && r->bytes == 0) closed = true;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r->bytes));
        if (r->state != tls::IOState::Done) wait_for(server->fd(), r->state);
    }
    CHECK(closed);
    CHECK(got == data);
}

// A client made directly with GnuTLS, to offer what our client never would.
struct RawClient {
    gnutls_session_t session = nullptr;
    gnutls_certificate_credentials_t creds = nullptr;
    RawClient(int fd, std::vector<std::string> alpn, const char* priority = "NORMAL") {
        gnutls_certificate_allocate_credentials(&creds);
        gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
        gnutls_priority_set_direct(session, priority, nullptr);
        gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, creds);
        std::vector<gnutls_datum_t> protos;
        for (auto& a : alpn)
            protos.push_back({reinterpret_cast<unsigned char*>(a.data()), static_cast<unsigned>(a.size())});
        if (!protos.empty())
            gnutls_alpn_set_protocols(session, protos.data(), static_cast<unsigned>(protos.size()), 0);
        gnutls_transport_set_int(session, fd);
    }
    ~RawClient() {
        gnutls_deinit(session);
        gnutls_certificate_free_credentials(creds);
    }
    Expected<tls::IOState, std::string> step() {
        int rc = gnutls_handshake(session);
        if (rc == 0) return tls::IOState::Done;
        if (rc == GNUTLS_E_AGAIN || !gnutls_error_is_fatal(rc)) return tls::IOState::NeedRead;
        last_error = rc;
        return Unexpected{std::string(gnutls_strerror(rc))};
    }
    int last_error = 0;
};

TEST_CASE("ALPN: none offered is accepted; only other protocols is refused") {
    ServerFiles files;
    auto screds = tls::Credentials::server(files.chain, files.key);
    REQUIRE(screds);

    SECTION("a client without ALPN") {
        Pair p;
        auto server = tls::Connection::server(std::move(p.server), *screds);
        REQUIRE(server);
        RawClient raw(p.client.get(), {});
        auto [s, c] = handshake_both(*server, [&] { return raw.step(); });
        CHECK(s);
        CHECK(c);
        CHECK_FALSE(server->alpn());
    }
    SECTION("a client offering only h2") {
        Pair p;
        auto server = tls::Connection::server(std::move(p.server), *screds);
        REQUIRE(server);
        RawClient raw(p.client.get(), {"h2"});
        auto [s, c] = handshake_both(*server, [&] { return raw.step(); });
        REQUIRE_FALSE(s);
        CHECK_THAT(s.error(), Catch::Contains("application protocol"));
        REQUIRE_FALSE(c);
        CHECK(raw.last_error == GNUTLS_E_FATAL_ALERT_RECEIVED);
        CHECK(gnutls_alert_get(raw.session) == GNUTLS_A_NO_APPLICATION_PROTOCOL);
    }
    SECTION("a TLS 1.2-only client is accepted, a TLS 1.1-only one is not") {
        Pair p;
        auto server = tls::Connection::server(std::move(p.server), *screds);
        REQUIRE(server);
        RawClient raw(p.client.get(), {"smtpsec/0"}, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
        auto [s, c] = handshake_both(*server, [&] { return raw.step(); });
        CHECK(s);
        CHECK(c);
        CHECK(server->version() == "TLS1.2");

        Pair q;
        auto server2 = tls::Connection::server(std::move(q.server), *screds);
        REQUIRE(server2);
        RawClient old(q.client.get(), {}, "NORMAL:-VERS-ALL:+VERS-TLS1.1:%VERIFY_ALLOW_SHA1");
        auto [s2, c2] = handshake_both(*server2, [&] { return old.step(); });
        CHECK_FALSE((s2 && c2));
    }
}

namespace {

// One side of a tls::Stream pair; `on_input_action` decides what a read does.
struct Side final : tls::Stream::Handler {
    Framer framer{1 << 20};
    std::unique_ptr<tls::Stream> stream;
    bool handshaken = false;
    int inputs = 0;
    int closes = 0;
    std::function<void()> on_input_action;
    void on_handshake_done() override { handshaken = true; }
    void on_input() override {
        ++inputs;
        if (on_input_action) on_input_action();  // last act: it may destroy the Stream
    }
    void on_closed(bool, const std::string&) override { ++closes; }
};

}  // namespace

TEST_CASE("a Stream handler may destroy the Stream from on_input; nothing of it is touched after",
          "[tls][stream]") {
    ServerFiles files;
    auto screds = tls::Credentials::server(files.chain, files.key);
    REQUIRE(screds);
    auto ccreds = tls::Credentials::client();
    REQUIRE(ccreds);
    Pair p;
    auto server = tls::Connection::server(std::move(p.server), *screds);
    auto client = tls::Connection::client(std::move(p.client), *ccreds, "mx.b.test");
    REQUIRE(server);
    REQUIRE(client);
    event::Loop loop;
    Side s, c;
    s.stream = std::make_unique<tls::Stream>(loop, std::move(*server), s.framer, s);
    c.stream = std::make_unique<tls::Stream>(loop, std::move(*client), c.framer, c);
    bool destroyed = false;
    s.on_input_action = [&] {
        s.stream.reset();  // in the middle of the Stream's read loop
        destroyed = true;
    };
    s.stream->start();
    c.stream->start();
    bool timed_out = false;
    event::Timer limit(loop, [&] { timed_out = true; });
    limit.start(std::chrono::seconds(5));
    while (!(s.handshaken && c.handshaken) && !timed_out) loop.run_once();
    // Many records: the server's read loop would go on to the next one.
    std::vector<std::uint8_t> bytes(200 * 1024, 'x');
    c.stream->write(bytes);
    while (!destroyed && !timed_out) loop.run_once();
    INFO("handshaken " << s.handshaken << c.handshaken << " closes " << s.closes << c.closes << " timed out "
                       << timed_out);
    REQUIRE(destroyed);
    CHECK(s.inputs == 1);
    CHECK(s.closes == 0);  // a destroyed Stream reports nothing
    // The client sees the server's socket close.
    while (c.closes == 0 && !timed_out) loop.run_once();
    CHECK(c.closes == 1);
}

TEST_CASE("a moved Connection owns the session once: the moved-from one holds none", "[tls]") {
    ServerFiles files;
    auto ccreds = tls::Credentials::client();
    REQUIRE(ccreds);
    Pair p;
    auto client = tls::Connection::client(std::move(p.client), *ccreds, "mx.b.test");
    REQUIRE(client);
    const int fd = client->fd();
    tls::Connection moved(std::move(*client));
    CHECK(moved.fd() == fd);
    CHECK(client->fd() == -1);  // its destructor frees nothing (LSan/ASan: no double gnutls_deinit)
}

// A non-blocking GnuTLS connection for a libev loop, in the shape of
// dnsdist's tcpiohandler: every operation returns what it is waiting for
// (IOState) instead of blocking, and the caller watches the fd for that.
// Fatal errors are values with GnuTLS's reason.
//
// Policy pinned here (docs/decisions.md point 16): TLS 1.2 minimum, 1.3 preferred;
// ALPN "smtpsec/0" offered by clients; servers accept clients without ALPN
// but refuse clients that offer only other protocols. No client
// certificates: origin is proven by Email signatures. Peer authentication is
// not done by GnuTLS's verifier but by tls::authenticate() after the
// handshake, on the chain peer_chain() returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/unique_fd.h"
#include "smtpsec/expected.h"
#include "smtpsec/message.h"

struct gnutls_session_int;
struct gnutls_certificate_credentials_st;
struct gnutls_priority_st;

namespace smtpsec::tls {

enum class IOState { Done, NeedRead, NeedWrite };

inline constexpr const char* kAlpn = "smtpsec/0";

// Certificate credentials and priorities, shared by many connections. A
// reload builds a new Credentials; connections keep the one they started with.
class Credentials {
public:
    // A server's chain (PEM, leaf first) and key (PEM).
    static Expected<std::shared_ptr<const Credentials>, std::string> server(const std::string& chain_file,
                                                                            const std::string& key_file);
    static Expected<std::shared_ptr<const Credentials>, std::string> client();

    ~Credentials();
    Credentials(const Credentials&) = delete;
    Credentials& operator=(const Credentials&) = delete;

    gnutls_certificate_credentials_st* get() const { return creds_; }
    gnutls_priority_st* priority() const { return priority_; }

private:
    Credentials() = default;
    gnutls_certificate_credentials_st* creds_ = nullptr;
    gnutls_priority_st* priority_ = nullptr;
};

struct IoResult {
    IOState state;
    std::size_t bytes;  // read: 0 with Done means the peer closed
};

// Owns a gnutls session (gnutls_deinit when it goes), so Connection's moves
// and destruction are the compiler's: a moved-from Connection holds none.
struct SessionDeleter {
    void operator()(gnutls_session_int* session) const noexcept;
};
using Session = std::unique_ptr<gnutls_session_int, SessionDeleter>;

class Connection {
public:
    static Expected<Connection, std::string> server(net::UniqueFd fd,
                                                    std::shared_ptr<const Credentials> creds);
    // `server_name` goes into SNI.
    static Expected<Connection, std::string> client(net::UniqueFd fd,
                                                    std::shared_ptr<const Credentials> creds,
                                                    const std::string& server_name);

    Connection(Connection&&) noexcept = default;
    // No assignment: member-wise it would free the old credentials before
    // the old session (declaration order), and nothing needs it.
    Connection& operator=(Connection&&) = delete;
    ~Connection() = default;

    Expected<IOState, std::string> handshake();
    // After NeedRead/NeedWrite, call again with the same buffer.
    Expected<IoResult, std::string> read(std::span<std::uint8_t> into);
    Expected<IoResult, std::string> write(std::span<const std::uint8_t> data);
    // Sends close_notify.
    Expected<IOState, std::string> bye();

    // Decrypted bytes GnuTLS already holds (no fd readiness will signal them).
    bool has_buffered_data() const;

    int fd() const { return fd_.get(); }
    CertificateChain peer_chain() const;
    std::string version() const;  // "TLS1.3"
    std::optional<std::string> alpn() const;
    std::string description() const;  // version, cipher, group

private:
    Connection(net::UniqueFd fd, Session session, std::shared_ptr<const Credentials> creds);
    IOState direction() const;

    // Member order: the session goes before the fd it writes to, and before
    // the credentials it uses.
    std::shared_ptr<const Credentials> creds_;
    net::UniqueFd fd_;
    Session session_;
};

}  // namespace smtpsec::tls

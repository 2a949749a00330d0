// See connection.h.
#include "tls/connection.h"

#include <fmt/core.h>
#include <gnutls/gnutls.h>

#include <utility>

#include "metrics/metrics.h"

namespace smtpsec::tls {
namespace {

// TLS 1.3 first, 1.2 as the floor (docs/decisions.md point 16).
constexpr const char* kPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE";

std::string gnutls_error(const char* what, int rc) {
    return fmt::format("{}: {}", what, gnutls_strerror(rc));
}

Expected<IOState, std::string> fatal(const char* what, int rc) { return Unexpected{gnutls_error(what, rc)}; }

gnutls_datum_t alpn_datum() {
    return {reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpn)),
            static_cast<unsigned>(std::char_traits<char>::length(kAlpn))};
}

// Point 16: a client that offers ALPN must offer smtpsec/0; a client that
// offers none is accepted. GnuTLS's GNUTLS_ALPN_MANDATORY refuses only when
// the client sent the extension without a match, which is exactly this.
void set_alpn(gnutls_session_t session, bool server) {
    gnutls_datum_t proto = alpn_datum();
    gnutls_alpn_set_protocols(session, &proto, 1, server ? GNUTLS_ALPN_MANDATORY : 0);
}

}  // namespace

Credentials::~Credentials() {
    if (creds_) gnutls_certificate_free_credentials(creds_);
    if (priority_) gnutls_priority_deinit(priority_);
}

Expected<std::shared_ptr<const Credentials>, std::string> Credentials::server(const std::string& chain_file,
                                                                              const std::string& key_file) {
    auto c = std::shared_ptr<Credentials>(new Credentials());
    int rc = gnutls_certificate_allocate_credentials(&c->creds_);
    if (rc < 0) return Unexpected{gnutls_error("credentials", rc)};
    rc = gnutls_certificate_set_x509_key_file2(c->creds_, chain_file.c_str(), key_file.c_str(),
                                               GNUTLS_X509_FMT_PEM, nullptr, 0);
    if (rc < 0) return Unexpected{fmt::format("{} / {}: {}", chain_file, key_file, gnutls_strerror(rc))};
    rc = gnutls_priority_init2(&c->priority_, kPriority, nullptr, 0);
    if (rc < 0) return Unexpected{gnutls_error("priority", rc)};
    return std::shared_ptr<const Credentials>(std::move(c));
}

Expected<std::shared_ptr<const Credentials>, std::string> Credentials::client() {
    auto c = std::shared_ptr<Credentials>(new Credentials());
    int rc = gnutls_certificate_allocate_credentials(&c->creds_);
    if (rc < 0) return Unexpected{gnutls_error("credentials", rc)};
    rc = gnutls_priority_init2(&c->priority_, kPriority, nullptr, 0);
    if (rc < 0) return Unexpected{gnutls_error("priority", rc)};
    return std::shared_ptr<const Credentials>(std::move(c));
}

void SessionDeleter::operator()(gnutls_session_int* session) const noexcept { gnutls_deinit(session); }

Connection::Connection(net::UniqueFd fd, Session session, std::shared_ptr<const Credentials> creds)
    : creds_(std::move(creds)), fd_(std::move(fd)), session_(std::move(session)) {}

// The side of a session, for the counters: GnuTLS has no public getter, so
// the session's user pointer (unused otherwise) points at one of these.
static char server_side_tag;
static char client_side_tag;
static metrics::TlsHandshakeFailed side_of(gnutls_session_t s) {
    return gnutls_session_get_ptr(s) == &server_side_tag ? metrics::TlsHandshakeFailed::inbound
                                                         : metrics::TlsHandshakeFailed::outbound;
}

static Expected<Session, std::string> new_session(unsigned flags, int fd, const Credentials& creds) {
    gnutls_session_t raw = nullptr;
    int rc = gnutls_init(&raw, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
    if (rc < 0) return Unexpected{gnutls_error("gnutls_init", rc)};
    Session s(raw);
    if ((rc = gnutls_priority_set(s.get(), creds.priority())) < 0 ||
        (rc = gnutls_credentials_set(s.get(), GNUTLS_CRD_CERTIFICATE, creds.get())) < 0)
        return Unexpected{gnutls_error("session set-up", rc)};
    gnutls_transport_set_int(s.get(), fd);
    gnutls_session_set_ptr(s.get(), (flags & GNUTLS_SERVER) ? &server_side_tag : &client_side_tag);
    gnutls_handshake_set_timeout(s.get(), 0);  // the caller's timers decide
    return s;
}

Expected<Connection, std::string> Connection::server(net::UniqueFd fd,
                                                     std::shared_ptr<const Credentials> creds) {
    auto s = new_session(GNUTLS_SERVER, fd.get(), *creds);
    if (!s) return Unexpected{s.error()};
    gnutls_certificate_server_set_request(s->get(), GNUTLS_CERT_IGNORE);
    set_alpn(s->get(), true);
    return Connection(std::move(fd), std::move(*s), std::move(creds));
}

Expected<Connection, std::string> Connection::client(net::UniqueFd fd,
                                                     std::shared_ptr<const Credentials> creds,
                                                     const std::string& server_name) {
    auto s = new_session(GNUTLS_CLIENT, fd.get(), *creds);
    if (!s) return Unexpected{s.error()};
    int rc = gnutls_server_name_set(s->get(), GNUTLS_NAME_DNS, server_name.data(), server_name.size());
    if (rc < 0) return Unexpected{gnutls_error("SNI", rc)};
    set_alpn(s->get(), false);
    return Connection(std::move(fd), std::move(*s), std::move(creds));
}

IOState Connection::direction() const {
    return gnutls_record_get_direction(session_.get()) == 0 ? IOState::NeedRead : IOState::NeedWrite;
}

Expected<IOState, std::string> Connection::handshake() {
    for (;;) {
        int rc = gnutls_handshake(session_.get());
        if (rc == GNUTLS_E_SUCCESS) return IOState::Done;
        if (rc == GNUTLS_E_AGAIN) return direction();
        if (rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(rc)) continue;
        // Tell the peer why (point 16: no_application_protocol for a client
        // offering only other protocols); GnuTLS leaves this to us.
        gnutls_alert_send_appropriate(session_.get(), rc);
        metrics::count(side_of(session_.get()));
        return fatal("TLS handshake", rc);
    }
}

Expected<IoResult, std::string> Connection::read(std::span<std::uint8_t> into) {
    for (;;) {
        ssize_t n = gnutls_record_recv(session_.get(), into.data(), into.size());
        if (n > 0) {
            metrics::count(metrics::Bytes::in, static_cast<std::uint64_t>(n));
            return IoResult{IOState::Done, static_cast<std::size_t>(n)};
        }
        if (n == 0) return IoResult{IOState::Done, 0};
        if (n == GNUTLS_E_AGAIN) return IoResult{direction(), 0};
        if (n == GNUTLS_E_INTERRUPTED) continue;
        // A peer that closes TCP without close_notify ends the stream too.
        if (n == GNUTLS_E_PREMATURE_TERMINATION) return IoResult{IOState::Done, 0};
        if (!gnutls_error_is_fatal(static_cast<int>(n))) continue;
        return Unexpected{gnutls_error("TLS read", static_cast<int>(n))};
    }
}

Expected<IoResult, std::string> Connection::write(std::span<const std::uint8_t> data) {
    for (;;) {
        ssize_t n = gnutls_record_send(session_.get(), data.data(), data.size());
        if (n >= 0) {
            metrics::count(metrics::Bytes::out, static_cast<std::uint64_t>(n));
            return IoResult{IOState::Done, static_cast<std::size_t>(n)};
        }
        if (n == GNUTLS_E_AGAIN) return IoResult{direction(), 0};
        if (n == GNUTLS_E_INTERRUPTED) continue;
        return Unexpected{gnutls_error("TLS write", static_cast<int>(n))};
    }
}

Expected<IOState, std::string> Connection::bye() {
    int rc = gnutls_bye(session_.get(), GNUTLS_SHUT_WR);
    if (rc == GNUTLS_E_SUCCESS) return IOState::Done;
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) return direction();
    return fatal("TLS close", rc);
}

bool Connection::has_buffered_data() const { return gnutls_record_check_pending(session_.get()) > 0; }

CertificateChain Connection::peer_chain() const {
    unsigned count = 0;
    const gnutls_datum_t* certs = gnutls_certificate_get_peers(session_.get(), &count);
    CertificateChain chain;
    for (unsigned i = 0; certs && i < count; ++i)
        chain.push_back(Bytes::copy_of(std::span<const std::uint8_t>(certs[i].data, certs[i].size)));
    return chain;
}

std::string Connection::version() const {
    const char* v = gnutls_protocol_get_name(gnutls_protocol_get_version(session_.get()));
    return v ? v : "?";
}

std::optional<std::string> Connection::alpn() const {
    gnutls_datum_t proto{};
    if (gnutls_alpn_get_selected_protocol(session_.get(), &proto) < 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(proto.data), proto.size);
}

std::string Connection::description() const {
    char* d = gnutls_session_get_desc(session_.get());
    std::string out = d ? d : "?";
    gnutls_free(d);
    return out;
}

}  // namespace smtpsec::tls

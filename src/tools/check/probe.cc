// See probe.h.
#include "tools/check/probe.h"

#include <fmt/core.h>
#include <poll.h>

#include <cstring>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

namespace smtpsec::check {
namespace {

using SteadyClock = std::chrono::steady_clock;

// ServerHello is tiny; anything this large is not a ServerHello.
constexpr std::uint64_t kMaxFirstMessage = 1 << 20;

// Waits until `fd` is ready for `want`; false when the deadline passed.
bool wait_for(int fd, tls::IOState want, SteadyClock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                SteadyClock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, static_cast<short>(want == tls::IOState::NeedWrite ? POLLOUT : POLLIN), 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

// What the first Message says, for the report.
void describe_first(const Framer::Event& event, ProbeResult& r) {
    if (const auto* oversized = std::get_if<Framer::Oversized>(&event)) {
        r.server_hello_detail = fmt::format("first Message is {} bytes (type {}), not a ServerHello",
                                            oversized->size, oversized->type);
        return;
    }
    if (const auto* broken = std::get_if<Framer::Broken>(&event)) {
        r.server_hello_detail = "not an SMTPsec stream: " + broken->reason;
        return;
    }
    auto decoded = decode(std::get<Framer::Frame>(event).bytes);
    if (!decoded) {
        r.server_hello_detail = fmt::format("first Message undecodable: {}: {}",
                                            name_of(decoded.error().code), decoded.error().reason);
        return;
    }
    if (const auto* hello = std::get_if<ServerHello>(&decoded->body)) {
        r.server_hello = true;
        r.server_hello_detail = fmt::format("version {}", hello->version);
        return;
    }
    if (const auto* error = std::get_if<Error>(&decoded->body)) {
        r.server_hello_detail = fmt::format("Error {} instead of a ServerHello", name_of(error->code));
        return;
    }
    r.server_hello_detail = fmt::format("{} instead of a ServerHello", name_of(decoded->type()));
}

// Reads until the first whole Message; fills server_hello(_detail).
void read_first_message(tls::Connection& conn, SteadyClock::time_point deadline, ProbeResult& r) {
    Framer framer(kMaxFirstMessage);
    for (;;) {
        auto area = framer.write_area();
        auto got = conn.read(area);
        if (!got) {
            r.server_hello_detail = "TLS error before the ServerHello: " + got.error();
            return;
        }
        if (got->state != tls::IOState::Done) {
            if (!wait_for(conn.fd(), got->state, deadline)) {
                r.server_hello_detail = "timed out waiting for the ServerHello";
                return;
            }
            continue;
        }
        if (got->bytes == 0) {
            r.server_hello_detail = "the server closed the connection before the ServerHello";
            return;
        }
        framer.commit(got->bytes);
        if (auto event = framer.next()) {
            describe_first(*event, r);
            return;
        }
    }
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<ProbeCheck> checks_of(const ProbeResult& r, bool has_tlsa) {
    std::vector<ProbeCheck> out;
    if (!r.failure.empty() || !r.auth) {
        out.push_back({"TLS", "fail", r.failure});
        return out;
    }
    out.push_back({"TLS", "pass", fmt::format("{}, ALPN {}", r.tls_description, r.alpn.value_or("none"))});
    const tls::AuthResult& a = *r.auth;
    const bool refused = !a.ok;
    const std::string reason = a.reason;

    if (a.matched_name.empty()) {
        out.push_back({"name", "fail", reason});
        for (const char* later : {"DANE", "CA", "CT"}) out.push_back({later, "not reached", ""});
    } else {
        out.push_back(
            {"name", "pass",
             a.name_kind == tls::NameKind::srv_name ? "SRVName " + a.matched_name : a.matched_name});
        if (!has_tlsa)
            out.push_back({"DANE", "none", "no DNSSEC-secure TLSA records"});
        else if (a.dane_ee)
            out.push_back({"DANE", "pass", "DANE-EE " + a.tlsa_matched + " matched the leaf"});
        else if (a.dane_ta)
            out.push_back({"DANE", "pass", "DANE-TA " + a.tlsa_matched + " anchor verified the chain"});
        else if (!a.tlsa_matched.empty())
            out.push_back({"DANE", "pass", "TLSA " + a.tlsa_matched + " matched on the CA path"});
        else
            out.push_back({"DANE", refused && starts_with(reason, "no TLSA record") ? "fail" : "not reached",
                           refused ? reason : ""});

        if (a.dane_ee || a.dane_ta)
            out.push_back(
                {"CA", "not needed", a.dane_ee ? "DANE-EE" : "the DANE-TA anchor stands in for the CA"});
        else if (a.pkix)
            out.push_back({"CA", "pass", "the chain verifies to the CA store"});
        else if (refused && starts_with(reason, "CA verification failed"))
            out.push_back({"CA", "fail", reason});
        else
            out.push_back({"CA", "not reached", ""});

        if (a.dane_ee)
            out.push_back({"CT", "not needed", "DANE-EE"});
        else if (a.ct_ok)
            out.push_back(
                {"CT", "pass", fmt::format("{} valid SCT(s) from distinct trusted logs", a.valid_scts)});
        else if (refused &&
                 (starts_with(reason, "certificate transparency") || starts_with(reason, "no CT log list")))
            out.push_back({"CT", "fail", reason});
        else
            out.push_back({"CT", "not reached", ""});
    }
    out.push_back({"ServerHello", r.server_hello ? "pass" : "fail", r.server_hello_detail});
    return out;
}

ProbeResult probe(const ProbeSettings& settings, const net::Endpoint& address, const std::string& host,
                  std::uint16_t port, const std::vector<tls::TlsaRecord>& tlsa, const std::string& domain) {
    ProbeResult r;
    r.address = address.to_string();
    const auto deadline = SteadyClock::now() + settings.timeout;

    auto fd = net::start_connect(address);
    if (!fd) {
        r.failure = "connect: " + fd.error();
        return r;
    }
    if (!wait_for(fd->get(), tls::IOState::NeedWrite, deadline)) {
        r.failure = "connect: timed out";
        return r;
    }
    if (int err = net::connect_result(fd->get())) {
        r.failure = fmt::format("connect: {}", std::strerror(err));
        return r;
    }
    auto conn = tls::Connection::client(std::move(*fd), settings.credentials, host);
    if (!conn) {
        r.failure = "TLS set-up: " + conn.error();
        return r;
    }
    for (;;) {
        auto state = conn->handshake();
        if (!state) {
            r.failure = "TLS handshake: " + state.error();
            return r;
        }
        if (*state == tls::IOState::Done) break;
        if (!wait_for(conn->fd(), *state, deadline)) {
            r.failure = "TLS handshake: timed out";
            return r;
        }
    }
    r.tls_version = conn->version();
    r.tls_description = conn->description();
    r.alpn = conn->alpn();
    r.auth = tls::authenticate(*settings.policy, conn->peer_chain(), tls::AuthTarget{host, port, tlsa},
                               domain);
    read_first_message(*conn, deadline, r);
    (void)conn->bye();  // one attempt at close_notify; the report does not depend on it
    return r;
}

}  // namespace smtpsec::check

// See milter.h. The C callbacks: each finds the Session and calls it inside
// try/catch, because no exception may unwind through libmilter.
#include "milter/milter.h"

#include <arpa/inet.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "log/log.h"
#include "milter/session.h"

namespace smtpsec::milter {
namespace {

std::atomic<Milter*> the_milter{nullptr};

// The connection's private data (smfi_setpriv), from negotiate to close.
// negotiate learns whether header values keep their leading space and which
// stages the MTA sends without waiting for a reply; connect creates the Session.
struct Private {
    bool leading_space = false;
    // Headers and body chunks are only collected, so we ask the MTA not to
    // wait for a reply to each (SMFIP_NR_HDR, SMFIP_NR_BODY): a round trip
    // per header field was most of the milter's system calls with small mail.
    bool no_reply_header = false;
    bool no_reply_body = false;
    // A failure at a stage that gets no reply, answered at end-of-message.
    std::optional<sfsistat> deferred;
    std::unique_ptr<Session> session;
};

Private* private_of(SMFICTX* ctx) { return static_cast<Private*>(smfi_getpriv(ctx)); }

// Creates the private data if negotiate did not (an MTA before protocol 6).
Private* ensure_private(SMFICTX* ctx) {
    if (Private* p = private_of(ctx)) return p;
    auto p = std::make_unique<Private>();
    if (smfi_setpriv(ctx, p.get()) != MI_SUCCESS) return nullptr;
    return p.release();  // owned by the connection until on_close
}

Session* session_of(SMFICTX* ctx) {
    Private* p = private_of(ctx);
    return p ? p->session.get() : nullptr;
}

template <class F>
sfsistat guarded(SMFICTX* ctx, F&& f) {
    Session* session = session_of(ctx);
    if (!session) return SMFIS_TEMPFAIL;
    try {
        return f(*session);
    } catch (const std::exception& e) {
        return session->internal_error(ctx, e.what());
    } catch (...) {
        return session->internal_error(ctx, "unknown exception");
    }
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    constexpr unsigned long needed = SMFIF_DELRCPT | SMFIF_CHGHDRS;
    if ((f0 & needed) != needed) {
        log::error("milter: the MTA does not allow removing recipients and header fields; not filtering");
        return SMFIS_REJECT;
    }
    *pf0 = needed | (f0 & SMFIF_SETSYMLIST);
    *pf1 = f1 &
           (SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOEOH | SMFIP_HDR_LEADSPC | SMFIP_NR_HDR | SMFIP_NR_BODY);
    *pf2 = 0;
    *pf3 = 0;
    if (f0 & SMFIF_SETSYMLIST) {
        // The defaults of Postfix and Sendmail already hold these; asking
        // makes sure a tuned MTA still sends them.
        smfi_setsymlist(ctx, SMFIM_CONNECT, const_cast<char*>("j {daemon_name}"));
        smfi_setsymlist(ctx, SMFIM_HELO, const_cast<char*>("{cert_subject} {verify}"));
        smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>("i {auth_authen} {auth_type}"));
        smfi_setsymlist(ctx, SMFIM_ENVRCPT, const_cast<char*>("{rcpt_mailer} {rcpt_addr}"));
        smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("i"));
    }
    try {
        Private* p = ensure_private(ctx);
        if (!p) return SMFIS_TEMPFAIL;
        p->leading_space = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
        p->no_reply_header = (*pf1 & SMFIP_NR_HDR) != 0;
        p->no_reply_body = (*pf1 & SMFIP_NR_BODY) != 0;
    } catch (...) {
        return SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}

// The client's address as text ("" if not IP), for our Received field.
std::string address_text(const _SOCK_ADDR* addr) {
    if (!addr) return {};
    char text[INET6_ADDRSTRLEN] = "";
    const auto* sa = reinterpret_cast<const sockaddr*>(addr);
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
    return text;
}

sfsistat on_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* hostaddr) {
    Milter* milter = the_milter.load();
    if (!milter) return SMFIS_TEMPFAIL;
    try {
        Private* p = ensure_private(ctx);
        if (!p) return SMFIS_TEMPFAIL;
        p->session = std::make_unique<Session>(*milter, p->leading_space);
        p->session->connect(ctx, hostname ? hostname : "", address_text(hostaddr));
        return SMFIS_CONTINUE;
    } catch (const std::exception& e) {
        log::error("milter: connect: {}", e.what());
        return SMFIS_TEMPFAIL;
    }
}

sfsistat on_helo(SMFICTX* ctx, char* name) {
    return guarded(ctx, [&](Session& s) { return s.helo(name ? name : ""); });
}
sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    if (Private* p = private_of(ctx)) p->deferred.reset();  // a new message starts clean
    return guarded(ctx, [&](Session& s) { return s.mail(ctx, argv); });
}
sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, [&](Session& s) { return s.rcpt(ctx, argv); });
}
// For a stage the MTA does not wait on: the MTA must get no reply at all,
// so a failure is kept for end-of-message (the first one wins).
sfsistat without_reply(SMFICTX* ctx, bool Private::*no_reply, sfsistat status) {
    Private* p = private_of(ctx);
    if (!p || !(p->*no_reply)) return status;
    if (status != SMFIS_CONTINUE && !p->deferred) p->deferred = status;
    return SMFIS_NOREPLY;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    return without_reply(ctx, &Private::no_reply_header,
                         guarded(ctx, [&](Session& s) { return s.header(ctx, name, value); }));
}
sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t length) {
    return without_reply(ctx, &Private::no_reply_body,
                         guarded(ctx, [&](Session& s) { return s.body(ctx, chunk, length); }));
}
sfsistat on_eom(SMFICTX* ctx) {
    if (Private* p = private_of(ctx); p && p->deferred) return *std::exchange(p->deferred, std::nullopt);
    return guarded(ctx, [&](Session& s) { return s.eom(ctx); });
}
sfsistat on_abort(SMFICTX* ctx) {
    if (Private* p = private_of(ctx)) p->deferred.reset();
    if (Session* s = session_of(ctx)) s->abort();
    return SMFIS_CONTINUE;
}
sfsistat on_close(SMFICTX* ctx) {
    std::unique_ptr<Private> owned(private_of(ctx));
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace

Milter::Milter(VerdictSource& verdicts, Intake& intake) : verdicts_(verdicts), intake_(intake) {
    Milter* expected = nullptr;
    if (!the_milter.compare_exchange_strong(expected, this))
        throw std::logic_error("only one Milter per process (libmilter is global state)");
}

Milter::~Milter() { the_milter.store(nullptr); }

Milter* Milter::instance() { return the_milter.load(); }

std::shared_ptr<const MilterSettings> Milter::settings() const {
    std::lock_guard lock(mutex_);
    return settings_;
}

void Milter::replace_settings(std::shared_ptr<const MilterSettings> settings) {
    std::lock_guard lock(mutex_);
    settings_ = std::move(settings);
}

Expected<bool, std::string> Milter::open(const std::shared_ptr<const MilterSettings>& settings) {
    if (!settings) return Unexpected<std::string>{"no settings"};
    replace_settings(settings);
    smfiDesc& desc = desc_;
    desc = smfiDesc{};
    desc.xxfi_name = const_cast<char*>("smtpsecd");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_DELRCPT | SMFIF_CHGHDRS;
    desc.xxfi_connect = on_connect;
    desc.xxfi_helo = on_helo;
    desc.xxfi_envfrom = on_envfrom;
    desc.xxfi_envrcpt = on_envrcpt;
    desc.xxfi_header = on_header;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_eom;
    desc.xxfi_abort = on_abort;
    desc.xxfi_close = on_close;
    desc.xxfi_negotiate = on_negotiate;
    if (smfi_register(desc) != MI_SUCCESS) return Unexpected<std::string>{"smfi_register failed"};
    if (smfi_setconn(const_cast<char*>(settings->socket.c_str())) != MI_SUCCESS)
        return Unexpected<std::string>{"bad milter socket " + settings->socket};
    smfi_settimeout(static_cast<int>(settings->timeout.count()));
    conn_ = settings->socket;
    timeout_ = static_cast<int>(settings->timeout.count());
    const std::string& spec = settings->socket;
    std::string path;
    if (spec.starts_with("local:"))
        path = spec.substr(6);
    else if (spec.starts_with("unix:"))
        path = spec.substr(5);
    else if (!spec.empty() && spec.front() == '/')
        path = spec;
    // libmilter says why only to syslog, and not always: the likely causes
    // of a local socket (its directory missing or not writable by the
    // daemon's user) are checked here so that the error names them.
    if (!path.empty()) {
        const auto slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
        struct stat st {};
        int error = 0;
        if (::stat(dir.c_str(), &st) != 0 || (S_ISDIR(st.st_mode) && ::access(dir.c_str(), W_OK | X_OK) != 0))
            error = errno;
        else if (!S_ISDIR(st.st_mode))
            error = ENOTDIR;
        if (error != 0)
            return Unexpected<std::string>{fmt::format("cannot listen: {}: {}", dir, std::strerror(error))};
    }
    errno = 0;
    if (smfi_opensocket(true) != MI_SUCCESS) {
        const int error = errno;
        return Unexpected<std::string>{
            fmt::format("cannot listen: {}", error != 0 ? std::strerror(error) : "refused by libmilter")};
    }
    if (!path.empty()) {
        if (::chmod(path.c_str(), settings->socket_mode) != 0)
            return Unexpected<std::string>{fmt::format("chmod {}: {}", path, std::strerror(errno))};
        if (!settings->socket_group.empty()) {
            struct group* g = ::getgrnam(settings->socket_group.c_str());
            if (!g) return Unexpected<std::string>{"unknown group " + settings->socket_group};
            if (::chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
                return Unexpected<std::string>{fmt::format("chown {}: {}", path, std::strerror(errno))};
        }
    }
    return true;
}

// smfi_main() would first start libmilter's signal thread, which sigwait()s
// SIGHUP, SIGTERM and SIGINT and stops the milter on any of them: SIGHUP
// would stop instead of reload (OpenDKIM's users know the complaint), and
// that thread would race the daemon's loop for every such signal. So run()
// calls what smfi_main() calls after starting that thread: mi_listener(),
// exported by libmilter (Debian's libmilter1.0.1, 8.17) though not in
// mfapi.h. The daemon owns the signals and calls stop().
extern "C" int mi_listener(char* conn, int dbg, smfiDesc_ptr smfi, time_t timeout, int backlog);

bool Milter::run() { return mi_listener(conn_.data(), 0, &desc_, timeout_, SOMAXCONN) == MI_SUCCESS; }

void Milter::stop() { smfi_stop(); }

}  // namespace smtpsec::milter

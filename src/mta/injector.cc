// See injector.h. After every input to the session, apply() carries out what
// it asks for, in this order: close the socket, open a new one, restart or
// stop the timer, write what it has, queue finished results. Results are
// handed to the callers by a DeferEvent, one per loop iteration, so that a
// callback destroying the injector is its last act.
#include "mta/injector.h"

#include <ev.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "event/fault_guard.h"

namespace smtpsec::mta {
namespace {

net::Endpoint endpoint_of(const InjectorConfig& config) {
    auto endpoint = net::Endpoint::parse(config.address, config.port);
    if (!endpoint) throw std::invalid_argument("smtp injector: " + endpoint.error());
    return *endpoint;
}

bool is_helo_name(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127) return false;
    }
    return true;
}

}  // namespace

Injector::Injector(event::Loop& loop, InjectorConfig config)
    : loop_(loop),
      config_(std::move(config)),
      endpoint_(endpoint_of(config_)),
      session_(config_.helo_name, endpoint_.to_string()),
      io_(loop, [this](int revents) { contain([&] { on_io(revents); }); }),
      timer_(loop, [this] { contain([&] { session_.timed_out(); }); }),
      deliver_(loop, [this] { deliver_one(); }) {
    if (!is_helo_name(config_.helo_name))
        throw std::invalid_argument(fmt::format("smtp injector: unusable HELO name '{}'", config_.helo_name));
}

Injector::~Injector() {
    // Best effort, without waiting: a polite end for an idle connection.
    if (fd_ && session_.state() == ClientSession::State::ready)
        ::send(fd_.get(), "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Injector::send(Request request, Callback done) {
    const std::uint64_t id = next_id_++;
    callbacks_.emplace(id, std::move(done));
    contain([&] { session_.submit(id, std::move(request)); });
}

template <class F>
void Injector::contain(F&& body) noexcept {
    auto fault = event::fault_of([&] {
        body();
        apply();
    });
    if (!fault) return;
    std::ignore = event::fault_of([&] {
        session_.lost("internal fault talking to the MTA: " + *fault);
        apply();
    });
}

// --- carrying out what the session asks ------------------------------------

void Injector::apply() {
    for (;;) {
        if (session_.take_close()) close_socket();
        if (session_.take_connect()) {
            open_connection();
            continue;  // a failed connect is an input: look again
        }
        if (auto timeout = session_.take_timer()) arm(*timeout);
        for (auto& f : session_.take_finished()) {
            auto callback = callbacks_.extract(f.id);
            if (!callback.empty()) finished_.emplace_back(std::move(callback.mapped()), std::move(f.result));
        }
        if (!finished_.empty()) deliver_.schedule();
        if (!fd_) return;
        if (session_.state() == ClientSession::State::connecting) {
            watch(EV_WRITE);
            return;
        }
        if (session_.to_write().empty()) {
            watch(EV_READ);
            return;
        }
        if (!flush()) return;  // the socket is full: wait for it
    }
}

void Injector::open_connection() {
    close_socket();
    auto fd = net::start_connect(endpoint_);
    if (!fd) {
        session_.connect_failed(fd.error());
        return;
    }
    fd_ = std::move(*fd);
}

void Injector::close_socket() {
    io_.stop();
    watching_ = 0;
    fd_.reset();
}

void Injector::arm(ClientSession::Timeout timeout) {
    using T = ClientSession::Timeout;
    const auto& t = config_.timeouts;
    loop_.update_now();
    switch (timeout) {
    case T::none: timer_.stop(); return;
    case T::connect: timer_.start(t.connect); return;
    case T::reply: timer_.start(t.reply); return;
    case T::data_write: timer_.start(t.data_write); return;
    case T::final_reply: timer_.start(t.final_reply); return;
    case T::idle: timer_.start(t.idle); return;
    }
}

void Injector::watch(int events) {
    if (events == watching_ && io_.active()) return;
    watching_ = events;
    io_.start(fd_.get(), events);
}

// --- the socket ------------------------------------------------------------

void Injector::on_io(int revents) {
    if (!fd_) return;
    if (session_.state() == ClientSession::State::connecting) {
        if (int err = net::connect_result(fd_.get()); err != 0) {
            session_.connect_failed(
                fmt::format("connect to {}: {}", endpoint_.to_string(), std::strerror(err)));
        } else {
            session_.connected();
        }
        return;
    }
    if (revents & EV_READ) read_available();
    // Writing happens in apply(), after this input.
}

void Injector::read_available() {
    std::string data;
    std::optional<std::string> lost;
    char buffer[16384];
    for (int reads = 0; reads < 16; ++reads) {
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n > 0) {
            data.append(buffer, static_cast<std::size_t>(n));
            if (static_cast<std::size_t>(n) < sizeof buffer) break;
            continue;
        }
        if (n == 0) {
            lost = "the MTA closed the connection";
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            lost = std::string("read from the MTA: ") + std::strerror(errno);
        }
        break;
    }
    session_.received(data, std::move(lost));
}

// True when everything was written or the write failed (an input to the
// session either way), false when the socket is full.
bool Injector::flush() {
    while (!session_.to_write().empty()) {
        std::string_view out = session_.to_write();
        ssize_t n = ::send(fd_.get(), out.data(), out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            session_.wrote(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(EV_READ | EV_WRITE);
            return false;
        }
        session_.lost(fmt::format("write to the MTA: {}", std::strerror(errno)));
        return true;
    }
    return true;
}

// --- results ---------------------------------------------------------------

void Injector::deliver_one() {
    if (finished_.empty()) return;
    auto finished = std::move(finished_.front());  // (callback, result)
    finished_.pop_front();
    if (!finished_.empty()) deliver_.schedule();  // cancelled with us if the callback destroys us
    // Each caller guards its own callback (event/fault_guard.h); one that
    // still throws must not cost the others their results. Nothing after
    // the call touches this object: the callback may have destroyed it.
    std::ignore = event::fault_of([&] {
        if (finished.first) finished.first(std::move(finished.second));
    });
}

}  // namespace smtpsec::mta

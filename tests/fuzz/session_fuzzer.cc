// libFuzzer target for a whole ServerSession (issue 13, "make the class
// impossible"): the input is a script. Its first bytes choose the limits;
// then each op feeds the session through one Framer (a valid ClientHello,
// Email or Error, an invalid Email, any bytes, a burst of small Messages,
// an oversized header) or acts as the I/O driver (take an Email, report the
// outcome of any taken Email in any order, drain). Properties, checked after
// every op by aborting:
// - no exception leaves the session;
// - everything it writes decodes; the ServerHello comes first, once;
// - every answer references a Message later than the one before
//   (docs/decisions.md point 17: in order), so every Email is answered at
//   most once;
// - EmailDelivered only for an Email the driver reported delivered, and an
//   Email taken by the driver is answered with the outcome it reported;
// - an unreferenced Error is service_unavailable, comes last, and then the
//   session is closing; nothing is written after closing;
// - memory held: Messages handled <= messages_bound(), Emails waiting to be
//   taken <= max_emails_per_connection, answers waiting <= Messages handled,
//   and what one op writes is at most a bounded number of bytes per Message.
// With the first byte's top bit set the script drives a ClientSession
// instead, against a hostile server (any answers, Errors, bytes): no
// exception; every Email gets at most one answer or is abandoned, never
// both; answers come in the order the Emails were sent; nothing is answered
// after the session failed; the notes it keeps stay bounded.
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "session/client_session.h"
#include "session/server_session.h"
#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

using namespace smtpsec;
using namespace smtpsec::session;

namespace {

[[noreturn]] void fail() { std::abort(); }
void check(bool ok) {
    if (!ok) fail();
}

struct Script {
    const std::uint8_t* p;
    std::size_t n;
    bool empty() const { return n == 0; }
    std::uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    std::vector<std::uint8_t> bytes(std::size_t k) {
        k = std::min(k, n);
        std::vector<std::uint8_t> out(p, p + k);
        p += k;
        n -= k;
        return out;
    }
};

const ErrorCode kCodes[] = {
    ErrorCode::illegal_message,       ErrorCode::illegal_parameter,     ErrorCode::too_large,
    ErrorCode::insufficient_security, ErrorCode::authentication_failed, ErrorCode::service_unavailable,
    ErrorCode::internal_error,        ErrorCode::unknown_address};

Email email_of(Script& s) {
    Email e;
    e.certificate_chain = s.byte() % 4;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes(std::vector<std::uint8_t>(64, 1));
    std::size_t rcpts = s.byte() % 4;  // 0: invalid (point 18)
    for (std::size_t i = 0; i < rcpts; ++i)
        e.recipients.push_back(s.byte() % 8 == 0 ? "no-at-sign" : "r" + std::to_string(i) + "@b.test");
    e.message = Bytes(std::vector<std::uint8_t>(s.byte(), 'x'));
    return e;
}

struct Harness {
    ServerLimits limits;
    ServerSession session;
    Framer framer;
    Framer reader{1 << 24};  // what the session wrote
    bool hello_seen = false;
    bool ended = false;                              // an unreferenced Error was written
    std::int64_t last_ref = -1;                      // the last Message an answer referenced
    std::vector<std::uint32_t> taken;                // not yet completed
    std::map<std::uint32_t, EmailOutcome> reported;  // the driver's outcomes
    std::set<std::uint32_t> answered;

    explicit Harness(ServerLimits l) : limits(l), session(l), framer(l.max_message_size) {}

    void feed(const std::vector<std::uint8_t>& bytes, std::size_t chunk) {
        for (std::size_t at = 0; at < bytes.size(); at += chunk) {
            framer.feed({bytes.data() + at, std::min(chunk, bytes.size() - at)});
            while (auto e = framer.next()) session.on_event(std::move(*e));
        }
    }

    void take() {
        auto e = session.take_email();
        if (!e) return;
        check(!session.closing());
        check(e->chain != nullptr && !e->chain->empty());
        check(e->email().recipients.size() <= kMaxRecipientsPerEmail);
        taken.push_back(e->number);
    }

    void complete(Script& s) {
        if (taken.empty()) return;
        std::size_t i = s.byte() % taken.size();
        auto number = taken[i];
        taken.erase(taken.begin() + static_cast<std::ptrdiff_t>(i));
        std::uint8_t how = s.byte();
        EmailOutcome outcome = EmailOutcome::delivered();
        if (how % 3 == 1) outcome = EmailOutcome::failed(kCodes[(how / 3) % 7]);
        if (how % 3 == 2) outcome = EmailOutcome::unknown_addresses({"r0@b.test"});
        reported[number] = outcome;
        session.complete(number, outcome);
    }

    // Reads what the session wrote since the last call and checks it.
    void verify(bool was_closing, std::uint32_t before) {
        auto& out = session.output();
        std::uint32_t handled = session.messages_received() - before;
        // A ServerHello, answers for the Messages of this op and for earlier
        // Emails, an end: each answer is at most a few dozen bytes here.
        check(out.size() <= 64 + 64 * (std::uint64_t{handled} + session.messages_received()));
        if (was_closing) check(out.empty());
        reader.feed(out);
        out.clear();
        while (auto ev = reader.next()) {
            auto* frame = std::get_if<Framer::Frame>(&*ev);
            check(frame != nullptr);
            auto m = decode(frame->bytes);
            check(m.has_value());
            check(!ended);
            if (!hello_seen) {
                check(m->type() == MessageType::server_hello);
                hello_seen = true;
                continue;
            }
            std::optional<std::uint32_t> ref;
            if (auto* d = std::get_if<EmailDelivered>(&m->body)) {
                ref = d->email;
                auto it = reported.find(d->email);
                check(it != reported.end() && !it->second.error);
            } else if (auto* e = std::get_if<Error>(&m->body)) {
                ref = e->message_number;
                if (!ref) {
                    check(e->code == ErrorCode::service_unavailable);
                    ended = true;
                    continue;
                }
                if (auto it = reported.find(*ref); it != reported.end()) {
                    check(it->second.error == e->code);
                    if (e->code == ErrorCode::unknown_address)
                        check(e->unknown_addresses == it->second.unknown);
                }
            } else {
                fail();  // a server writes nothing else
            }
            check(static_cast<std::int64_t>(*ref) > last_ref);
            check(*ref < session.messages_received());
            check(answered.insert(*ref).second);
            last_ref = *ref;
        }
        if (ended) check(session.closing());
        // Bounded state.
        check(session.messages_received() <= limits.messages_bound());
        check(session.pending_emails() <= limits.max_emails_per_connection);
        check(session.answers_owed() <= session.messages_received());
        if (session.will_close()) check(session.pending_emails() == 0);
        check(session.notes().size() <= session.messages_received() + 1);
        session.notes().clear();
    }
};

}  // namespace

void drive_client(Script& s) {
    ClientSession client({{Bytes(std::vector<std::uint8_t>(3, 7))}});
    Framer framer(1 << 16);
    const std::size_t chunk = 1 + s.byte() % 32;
    std::uint64_t next_id = 0;
    std::vector<std::uint64_t> sent;  // in send order
    std::set<std::uint64_t> done;     // answered or abandoned
    std::size_t next_answer = 0;      // answers follow the send order
    auto feed = [&](const std::vector<std::uint8_t>& bytes) {
        for (std::size_t at = 0; at < bytes.size(); at += chunk) {
            framer.feed({bytes.data() + at, std::min(chunk, bytes.size() - at)});
            while (auto e = framer.next()) client.on_event(std::move(*e));
        }
    };
    while (!s.empty()) {
        bool was_failed = client.failed();
        switch (s.byte() % 8) {
        case 0:
        case 1: {
            Email e;
            e.signature_method.algorithm = SignatureAlgorithm::ed25519;
            e.signature = Bytes(std::vector<std::uint8_t>(64, 1));
            e.recipients = {"r@b.test"};
            e.message = Bytes(std::vector<std::uint8_t>(4, 'x'));
            if (!client.failed()) {
                client.send(next_id, Message{{}, e});
                sent.push_back(next_id++);
            }
            break;
        }
        case 2: feed(encode(Message{{}, ServerHello{s.byte()}})); break;
        case 3: feed(encode(Message{{}, EmailDelivered{s.byte()}})); break;
        case 4:
        case 5: {
            Error e{kCodes[s.byte() % 8], std::nullopt, {}};
            if (s.byte() % 4) e.message_number = s.byte() % 16;
            if (e.code == ErrorCode::unknown_address) e.unknown_addresses = {"r@b.test"};
            feed(encode(Message{{}, e}));
            break;
        }
        case 6: {
            auto bytes = s.bytes(s.byte());
            feed(bytes);
            break;
        }
        case 7:
            client.output().clear();  // the driver wrote it out
            break;
        }
        while (auto a = client.take_answer()) {
            check(!was_failed);  // nothing is answered after the session failed
            check(next_answer < sent.size() && sent[next_answer] == a->id);
            ++next_answer;
            check(done.insert(a->id).second);
        }
        check(client.in_flight() <= sent.size() - done.size());
        check(client.notes().size() <= 17);
        if (client.failed()) {
            for (auto id : client.abandon()) check(done.insert(id).second);
            check(client.in_flight() == 0);
        }
    }
    for (auto id : client.abandon()) check(done.insert(id).second);
    check(done.size() == sent.size());  // nothing lost: answered or abandoned
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Script s{data, size};
    if (size > 0 && (data[0] & 0x80)) {
        s.byte();
        try {
            drive_client(s);
        } catch (...) {
            fail();
        }
        return 0;
    }
    ServerLimits limits;
    limits.max_message_size = 64 + std::uint64_t{s.byte()} * 16;
    limits.max_emails_per_connection = 1 + s.byte() % 16;
    limits.max_messages_per_connection = s.byte() % 64;  // 0: the default rule
    try {
        Harness h(limits);
        h.session.start();
        h.verify(false, 0);
        const std::size_t chunk = 1 + s.byte() % 32;
        while (!s.empty()) {
            bool was_closing = h.session.closing();
            auto before = h.session.messages_received();
            switch (s.byte() % 12) {
            case 0: {  // a ClientHello with up to 3 chains, some empty
                ClientHello hello{static_cast<std::uint8_t>(s.byte() % 8 == 0 ? 1 : 0), {}};
                for (int c = s.byte() % 4; c > 0; --c) {
                    CertificateChain chain;
                    for (int k = s.byte() % 3; k > 0; --k)
                        chain.push_back(Bytes(std::vector<std::uint8_t>(3, 7)));
                    hello.certificate_chains.push_back(std::move(chain));
                }
                h.feed(encode(Message{{}, hello}), chunk);
                break;
            }
            case 1:
            case 2: h.feed(encode(Message{{}, email_of(s)}), chunk); break;
            case 3: {  // an Error, with or without a reference
                Error e{kCodes[s.byte() % 8], std::nullopt, {}};
                if (s.byte() % 2) e.message_number = s.byte();
                if (e.code == ErrorCode::unknown_address) e.unknown_addresses = {"x@b.test"};
                h.feed(encode(Message{{}, e}), chunk);
                break;
            }
            case 4: {  // any bytes
                auto bytes = s.bytes(s.byte());
                h.feed(bytes, chunk);
                break;
            }
            case 5: {  // a burst of 12-byte Messages of an unknown type
                std::vector<std::uint8_t> burst;
                for (int i = 1 + s.byte(); i > 0; --i)
                    burst.insert(burst.end(), {0, 0, 0, 0, 0, 0, 0, 12, 9, 0, 0, 0});
                h.feed(burst, 4096);
                break;
            }
            case 6: {  // the header of an oversized Message, then its bytes
                std::uint8_t type = s.byte() % 2 ? 3 : 2;
                std::uint64_t len = limits.max_message_size + 1 + s.byte();
                std::vector<std::uint8_t> m;
                for (int shift = 56; shift >= 0; shift -= 8)
                    m.push_back(static_cast<std::uint8_t>(len >> shift));
                m.push_back(type);
                m.resize(len, 0);
                h.feed(m, 4096);
                break;
            }
            case 7:  // a ServerHello or EmailDelivered sent to a server
                h.feed(encode(s.byte() % 2 ? Message{{}, ServerHello{0}}
                                           : Message{{}, EmailDelivered{s.byte()}}),
                       chunk);
                break;
            case 8:
            case 9:  // the driver takes an Email, as inbound/connection.cc does
                if (!h.session.will_close())
                    h.take();
                else
                    check(!h.session.take_email());
                break;
            case 10: h.complete(s); break;
            case 11:
                if (s.byte() % 8 == 0) h.session.end(ErrorCode::service_unavailable);
                break;
            }
            h.verify(was_closing, before);
        }
        // Once the driver has done all it can, no answer is owed forever
        // (item 11: the Emails before a closing answer were once never
        // taken and the connection waited for its read timeout).
        for (;;) {
            while (!h.session.will_close()) {
                auto n = h.taken.size();
                h.take();
                if (h.taken.size() == n) break;
            }
            if (h.taken.empty()) break;
            Script none{nullptr, 0};
            h.complete(none);
        }
        h.verify(false, h.session.messages_received());
        check(h.session.reading() || h.session.closing());
    } catch (...) {
        fail();
    }
    return 0;
}

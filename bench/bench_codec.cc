// Codec benchmark: encode and decode throughput for 1 KiB, 100 KiB and 10 MiB
// Emails next to memcpy of the same buffer in the same process, with ratios.
// "decode" is decode() of a whole frame (a view, no body copy); "frame+decode"
// also pushes the bytes through the Framer with feed(), which copies them once
// as a socket read would.
#include <fmt/core.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "smtpsec/codec.h"
#include "smtpsec/framer.h"

using namespace smtpsec;
using Clock = std::chrono::steady_clock;

namespace {

// Runs `f` until at least `min_seconds` have passed; returns bytes/second.
template <class F>
double rate(std::size_t bytes_per_call, F&& f, double min_seconds = 0.4) {
    std::size_t calls = 0;
    auto start = Clock::now();
    double elapsed = 0;
    do {
        for (int i = 0; i < 8; ++i) f();
        calls += 8;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_seconds);
    return static_cast<double>(bytes_per_call) * static_cast<double>(calls) / elapsed;
}

volatile std::uint64_t sink;

Message make_email(std::size_t body) {
    Email e;
    e.signature_method.algorithm = SignatureAlgorithm::ed25519;
    e.signature = Bytes(std::vector<std::uint8_t>(64, 7));
    e.trace_headers = {{"Received", "from mx.a.test by mx.b.test; Mon, 1 Jan 2024 00:00:00 +0000"}};
    e.recipients = {"bob@b.test", "carol@b.test"};
    e.message = Bytes(std::vector<std::uint8_t>(body, 'm'));
    return Message{{}, e};
}

}  // namespace

int main() {
    fmt::print("{:>8} {:>12} {:>12} {:>12} {:>14} {:>8} {:>8} {:>8}\n", "email", "memcpy MB/s", "encode MB/s",
               "decode MB/s", "frame+dec MB/s", "enc/cpy", "dec/cpy", "f+d/cpy");
    for (std::size_t body : {std::size_t{1} << 10, std::size_t{100} << 10, std::size_t{10} << 20}) {
        Message m = make_email(body);
        std::vector<std::uint8_t> wire = encode(m);
        Bytes frame(wire);
        std::vector<std::uint8_t> dst(wire.size());

        double copy = rate(wire.size(), [&] {
            std::memcpy(dst.data(), wire.data(), wire.size());
            sink = dst[dst.size() / 2];
        });
        std::vector<std::uint8_t> out;
        double enc = rate(wire.size(), [&] {
            out.clear();
            encode_to(m, out);
            sink = out.size();
        });
        double dec = rate(wire.size(), [&] {
            auto r = decode(frame);
            sink = r.has_value() ? std::get<Email>(r->body).message.size() : 0;
        });
        double framed = rate(wire.size(), [&] {
            Framer f(1ull << 30);
            f.feed(wire);
            auto ev = f.next();
            auto r = decode(std::get<Framer::Frame>(*ev).bytes);
            sink = r.has_value() ? 1 : 0;
        });
        constexpr double MB = 1e6;
        fmt::print("{:>8} {:>12.0f} {:>12.0f} {:>12.0f} {:>14.0f} {:>8.2f} {:>8.2f} {:>8.2f}\n",
                   body >= (1 << 20) ? fmt::format("{}MiB", body >> 20) : fmt::format("{}KiB", body >> 10),
                   copy / MB, enc / MB, dec / MB, framed / MB, enc / copy, dec / copy, framed / copy);
    }
    fmt::print("target: decode of a 10 MiB Email >= 0.5 x memcpy\n");
}

// smtpsec-dump: prints a byte stream of SMTPsec Messages for people debugging
// SMTPsec traffic, the way `openssl asn1parse` does for DER. Exit status:
// 0 all well formed (and, with --verify, all signatures valid), 1 something
// was malformed or truncated, 2 a signature did not verify, 64 usage error.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "smtpsec/framer.h"
#include "smtpsec/signature.h"
#include "tools/dump/dump.h"

namespace {

using namespace smtpsec;

constexpr int kExitMalformed = 1;
constexpr int kExitBadSignature = 2;
constexpr int kExitUsage = 64;

// Checks Email signatures against the chains of the last ClientHello seen.
class SignatureChecker {
public:
    void saw(const ClientHello& hello) {
        chains_ = hello.certificate_chains;
        keys_.clear();
        have_hello_ = true;
    }

    dump::Verification check(const Email& email) {
        if (!have_hello_) return {false, "no_client_hello: no ClientHello earlier in the stream"};
        if (email.certificate_chain >= chains_.size())
            return {false, fmt::format("no_such_chain: ClientHello has {} chain(s)", chains_.size())};
        auto it = keys_.find(email.certificate_chain);
        if (it == keys_.end()) {
            const auto& chain = chains_[email.certificate_chain];
            if (chain.empty()) return {false, "empty_chain: the named chain has no certificate"};
            auto key = VerifyingKey::from_certificate_der(chain.front().span());
            if (!key) return {false, "unreadable_leaf: " + key.error()};
            it = keys_.emplace(email.certificate_chain, std::move(*key)).first;
        }
        auto status = it->second.verify(email.signature_method.algorithm, email.message.span(),
                                        email.signature.span());
        return {status == VerifyStatus::valid, std::string(name_of(status))};
    }

private:
    bool have_hello_ = false;
    std::vector<CertificateChain> chains_;
    std::map<std::uint32_t, VerifyingKey> keys_;
};

struct Options {
    std::string input = "-";
    bool json = false;
    bool verify = false;
    std::uint64_t max_size = 1ull << 30;
};

int run(const Options& opt) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (opt.input != "-") {
        file.open(opt.input, std::ios::binary);
        if (!file) {
            std::cerr << fmt::format("smtpsec-dump: cannot open {}\n", opt.input);
            return kExitUsage;
        }
        in = &file;
    }

    Framer framer(opt.max_size);
    SignatureChecker checker;
    std::uint64_t number = 0;
    int status = 0;
    std::string out;

    auto emit = [&](dump::Entry& entry) {
        out.clear();
        (opt.json ? dump::print_json : dump::print_text)(entry, out);
        std::fwrite(out.data(), 1, out.size(), stdout);
    };
    auto handle = [&](Framer::Event& event) {
        dump::Entry entry;
        entry.number = number++;
        if (auto* f = std::get_if<Framer::Frame>(&event)) {
            entry.size = f->bytes.size();
            auto decoded = decode(f->bytes);
            if (decoded) {
                entry.message = std::move(*decoded);
                if (auto* hello = std::get_if<ClientHello>(&entry.message->body)) checker.saw(*hello);
                if (auto* email = std::get_if<Email>(&entry.message->body); email && opt.verify) {
                    entry.verification = checker.check(*email);
                    if (!entry.verification->valid && status == 0) status = kExitBadSignature;
                }
            } else {
                entry.error = decoded.error();
                status = kExitMalformed;
            }
        } else if (auto* o = std::get_if<Framer::Oversized>(&event)) {
            entry.size = o->size;
            entry.error = DecodeError{
                ErrorCode::too_large,
                fmt::format("{} bytes exceed the limit of {} (--max-size)", o->size, opt.max_size),
                o->type <= 4 ? std::optional(static_cast<MessageType>(o->type)) : std::nullopt};
            status = kExitMalformed;
        } else {
            entry.error = DecodeError{
                ErrorCode::illegal_message,
                std::get<Framer::Broken>(event).reason + "; the rest of the stream cannot be framed",
                std::nullopt};
            status = kExitMalformed;
        }
        emit(entry);
    };

    while (*in && !framer.broken()) {
        auto area = framer.write_area();
        in->read(reinterpret_cast<char*>(area.data()), static_cast<std::streamsize>(area.size()));
        framer.commit(static_cast<std::size_t>(in->gcount()));
        while (auto event = framer.next()) handle(*event);
    }
    if (!framer.idle() && !framer.broken()) {
        dump::Entry entry;
        entry.number = number;
        entry.error = DecodeError{ErrorCode::illegal_message, "the stream ends in the middle of a Message",
                                  std::nullopt};
        emit(entry);
        status = kExitMalformed;
    }
    std::fflush(stdout);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Print a stream of SMTPsec Messages readably."};
    app.set_version_flag("-V,--version", std::string("smtpsec-dump ") + SMTPSEC_VERSION,
                         "print the version and exit");
    app.add_option("input", opt.input, "File to read; - or nothing for standard input");
    app.add_flag("--json", opt.json, "One JSON object per Message (fields named as in appendix B)");
    app.add_flag("--verify", opt.verify,
                 "Check each Email's signature against the chains of the ClientHello before it");
    app.add_option("--max-size", opt.max_size, "Largest Message to buffer, in bytes (default 1 GiB)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : kExitUsage;
    }
    return run(opt);
}

// See forward_store.h.
#include "daemon/forward_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "queue/durable_file.h"
#include "queue/forward_copy.h"
#include "smtpsec/codec.h"

namespace smtpsec::daemon {
namespace {

constexpr std::string_view kMagic = "SMTPSEC-FWD 1\n";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kTokenBytes = 16;

std::string sha256(std::string_view data) {
    std::string out(32, '\0');
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), out.data());
    return out;
}

bool is_token(std::string_view t) {
    if (t.size() != kTokenBytes * 2) return false;
    for (char c : t)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// Constant time: how much of a MAC matched says nothing.
bool same(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string load_or_make_key(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        std::string key(kKeySize, '\0');
        bool ok = gnutls_rnd(GNUTLS_RND_KEY, key.data(), key.size()) == 0 &&
                  ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
        ::close(fd);
        if (!ok) {
            ::unlink(path.c_str());
            throw std::runtime_error(fmt::format("{}: cannot write a new key", path));
        }
        return key;
    }
    if (errno != EEXIST) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    if (st.st_mode & 077)
        throw std::runtime_error(
            fmt::format("{}: readable by others (mode {:o}); it must be 0600", path, st.st_mode & 0777));
    auto key = queue::read_whole_file(path);
    if (!key) throw std::runtime_error(key.error());
    if (key->size() != kKeySize)
        throw std::runtime_error(fmt::format("{}: not a {}-byte key", path, kKeySize));
    return *key;
}

// One protocol frame from `data` at `at`: the Message, `at` moved past it.
Expected<Message, std::string> next_frame(const Bytes& data, std::size_t& at) {
    if (data.size() - at < kSizeFieldLength) return Unexpected<std::string>{"truncated record"};
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < kSizeFieldLength; ++i) size = size << 8 | data.data()[at + i];
    if (size < kMinFrameableSize || size > data.size() - at)
        return Unexpected<std::string>{"truncated record"};
    DecodeLimits limits;
    limits.max_trace_headers += 1;  // our Received on top of what the sender may send
    auto decoded = decode(data.slice(at, size), limits);
    if (!decoded) return Unexpected<std::string>{"unreadable record: " + decoded.error().reason};
    at += size;
    return std::move(*decoded);
}

}  // namespace

ForwardStore::ForwardStore(const std::string& queue_directory, ForwardLimits limits)
    : directory_(queue_directory + "/forward"), limits_(limits) {
    queue::ensure_directory(directory_);
    key_ = load_or_make_key(queue_directory + "/forward.key");
    clean();
}

std::string ForwardStore::mac_of(std::string_view token, std::string_view message) const {
    std::string text = "smtpsec-forward v1";
    text += '\0';
    text += token;
    text += '\0';
    text += sha256(message);
    std::string mac(32, '\0');
    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key_.data(), key_.size(), text.data(), text.size(), mac.data());
    return queue::hex_of({reinterpret_cast<const std::uint8_t*>(mac.data()), mac.size()});
}

Expected<std::string, std::string> ForwardStore::record(const Message& message, const CertificateChain& chain,
                                                        std::string_view from_domain,
                                                        std::string_view own_received) {
    const auto* email = std::get_if<Email>(&message.body);
    if (!email) return Unexpected<std::string>{"not an Email"};
    std::uint8_t raw[kTokenBytes];
    if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw) != 0) return Unexpected<std::string>{"no random bytes"};
    const std::string token = queue::hex_of(raw);

    Message hello{{}, ClientHello{0, {chain}}};
    Message kept;
    if (auto r = require_security(message))
        kept.extensions.push_back({static_cast<std::uint8_t>(ExtensionType::require_security),
                                   Bytes(std::vector<std::uint8_t>{*r})});
    Email e;
    e.certificate_chain = 0;
    e.signature_method = email->signature_method;
    e.signature = email->signature;
    // Point 14: our own trace header first, then the sender's.
    std::string_view received = own_received;
    if (received.ends_with("\r\n")) received.remove_suffix(2);
    if (auto colon = received.find(':'); colon != std::string_view::npos && !received.empty()) {
        std::string_view value = received.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        e.trace_headers.push_back({std::string(received.substr(0, colon)), std::string(value)});
    }
    for (const auto& h : email->trace_headers) e.trace_headers.push_back(h);
    e.recipients = email->recipients;
    e.message = email->message;
    kept.body = std::move(e);

    std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
    out.insert(out.end(), from_domain.begin(), from_domain.end());
    out.push_back('\n');
    encode_to(hello, out);
    encode_to(kept, out);
    if (bytes_ + out.size() > limits_.max_bytes)
        return Unexpected<std::string>{
            fmt::format("forward store full ({} of {} bytes)", bytes_.load(), limits_.max_bytes)};
    const std::string tmp = directory_ + "/tmp-" + token;
    const std::string final_path = directory_ + "/" + token + ".fwd";
    auto written = queue::write_new_file_synced(
        tmp, std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
    if (!written) return Unexpected<std::string>{written.error()};
    auto renamed = queue::rename_durably(tmp, final_path, directory_);
    if (!renamed) {
        ::unlink(tmp.c_str());
        return Unexpected<std::string>{renamed.error()};
    }
    bytes_ += out.size();
    const auto& signed_bytes = email->message;
    return "v1 " + token + " " +
           mac_of(token, {reinterpret_cast<const char*>(signed_bytes.data()), signed_bytes.size()});
}

Expected<milter::ForwardedOriginal, std::string> ForwardStore::find(std::string_view marker) const {
    // "v1 TOKEN MAC", nothing else (the milter passes the value as received).
    while (!marker.empty() && (marker.front() == ' ' || marker.front() == '\t')) marker.remove_prefix(1);
    while (!marker.empty() && (marker.back() == ' ' || marker.back() == '\t')) marker.remove_suffix(1);
    if (!marker.starts_with("v1 ")) return Unexpected<std::string>{"unknown marker version"};
    marker.remove_prefix(3);
    auto space = marker.find(' ');
    if (space == std::string_view::npos) return Unexpected<std::string>{"malformed marker"};
    std::string_view token = marker.substr(0, space), mac = marker.substr(space + 1);
    if (!is_token(token) || mac.size() != 64) return Unexpected<std::string>{"malformed marker"};

    const std::string path = directory_ + "/" + std::string(token) + ".fwd";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Unexpected<std::string>{"no record for the marker"};
    if (static_cast<std::uint64_t>(st.st_size) > limits_.max_record)
        return Unexpected<std::string>{"record too large"};
    const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    if (age > limits_.max_age) return Unexpected<std::string>{"record expired"};
    auto text = queue::read_whole_file(path);
    if (!text) return Unexpected<std::string>{text.error()};
    if (!std::string_view(*text).starts_with(kMagic)) return Unexpected<std::string>{"not a forward record"};
    auto eol = text->find('\n', kMagic.size());
    if (eol == std::string::npos) return Unexpected<std::string>{"truncated record"};
    milter::ForwardedOriginal out;
    out.from_domain = text->substr(kMagic.size(), eol - kMagic.size());
    Bytes data = Bytes::take(std::move(*text));
    std::size_t at = eol + 1;
    auto hello = next_frame(data, at);
    if (!hello) return Unexpected<std::string>{hello.error()};
    auto kept = next_frame(data, at);
    if (!kept) return Unexpected<std::string>{kept.error()};
    const auto* h = std::get_if<ClientHello>(&hello->body);
    const auto* e = std::get_if<Email>(&kept->body);
    if (!h || !e || h->certificate_chains.size() != 1 || at != data.size())
        return Unexpected<std::string>{"not a forward record"};
    out.message.assign(reinterpret_cast<const char*>(e->message.data()), e->message.size());
    // The MAC binds the marker to these bytes: a copied marker on other
    // content, or a record changed on disk, is refused.
    if (!same(mac, mac_of(token, out.message))) return Unexpected<std::string>{"marker MAC does not verify"};
    out.require_security = require_security(*kept);
    out.algorithm = e->signature_method.algorithm;
    out.signature = e->signature;
    out.chain = h->certificate_chains[0];
    out.trace_headers = e->trace_headers;
    return out;
}

std::size_t ForwardStore::clean() {
    std::lock_guard lock(mutex_);
    std::size_t removed = 0;
    std::uint64_t total = 0;
    DIR* dir = ::opendir(directory_.c_str());
    if (!dir) return 0;
    const auto now = std::chrono::system_clock::now();
    while (auto* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        const std::string path = directory_ + "/" + name;
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const auto age = now - std::chrono::system_clock::from_time_t(st.st_mtime);
        // A tmp- file older than a minute was left by a crash mid-write.
        const bool debris = name.starts_with("tmp-") && age > std::chrono::minutes(1);
        if (debris || (name.ends_with(".fwd") && age > limits_.max_age)) {
            if (::unlink(path.c_str()) == 0) ++removed;
            continue;
        }
        total += static_cast<std::uint64_t>(st.st_size);
    }
    ::closedir(dir);
    bytes_ = total;
    return removed;
}

}  // namespace smtpsec::daemon

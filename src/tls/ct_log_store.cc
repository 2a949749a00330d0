// Builds OpenSSL's CTLOG_STORE from the parsed log list.
//
// OpenSSL 3.0 has no call that adds a log to a CTLOG_STORE: the only way in is
// CTLOG_STORE_load_file with its own config format ("enabled_logs = ..." and
// one section per log with a base64 "key"). So the list is written once, at
// start-up, to a private temporary file (mode 0600, removed right after
// loading). Only public keys go into it. The sections are named log0, log1...
// so no text from the JSON reaches OpenSSL's config parser.
#include "tls/ct_log_store.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace smtpsec::tls {

namespace {

// A temporary file that is removed when it goes out of scope.
class TempFile {
public:
    explicit TempFile(const std::string& contents) {
        path_ = (std::filesystem::temp_directory_path() / "smtpsec-ctlogs-XXXXXX").string();
        const int fd = mkstemp(path_.data());
        if (fd < 0)
            throw std::runtime_error("CT log list: cannot create a temporary file in " +
                                     std::filesystem::temp_directory_path().string());
        std::size_t written = 0;
        while (written < contents.size()) {
            const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
            if (n <= 0) break;
            written += std::size_t(n);
        }
        ::close(fd);
        if (written != contents.size()) {
            ::unlink(path_.c_str());
            throw std::runtime_error("CT log list: cannot write " + path_);
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

CtLogStore::CtLogStore(std::vector<CtLog> logs) : logs_(std::move(logs)), store_(CTLOG_STORE_new()) {
    if (!store_) throw std::runtime_error("CT log list: out of memory");
    if (logs_.empty()) return;

    std::string conf = "enabled_logs = ";
    std::string sections;
    for (std::size_t i = 0; i < logs_.size(); ++i) {
        if (!ossl::pubkey_from_der(logs_[i].key_der))
            throw std::runtime_error("CT log list: log \"" + logs_[i].description +
                                     "\": OpenSSL cannot read its key");
        const std::string name = "log" + std::to_string(i);
        conf += (i ? "," : "") + name;
        sections += "\n[" + name + "]\ndescription = " + name +
                    "\nkey = " + ossl::base64_of(logs_[i].key_der) + "\n";
    }
    conf += "\n" + sections;

    TempFile file(conf);
    if (CTLOG_STORE_load_file(store_.get(), file.path().c_str()) != 1) {
        ERR_clear_error();
        throw std::runtime_error("CT log list: OpenSSL refused the log keys");
    }
}

const CtLog* CtLogStore::find(std::span<const std::uint8_t> log_id) const {
    if (log_id.size() != 32) return nullptr;
    for (const auto& log : logs_)
        if (std::equal(log.id.begin(), log.id.end(), log_id.begin())) return &log;
    return nullptr;
}

}  // namespace smtpsec::tls

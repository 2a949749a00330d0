// See update.h.
#include "tools/ctlog_update/update.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>

#include "net/unique_fd.h"
#include "tls/ct_log_list_signature.h"
#include "tls/ct_log_store.h"

namespace smtpsec::tools {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

UpdateVerdict refuse(UpdateError error, std::string reason) {
    UpdateVerdict v;
    v.error = error;
    v.reason = std::move(reason);
    return v;
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string_view name_of(UpdateError error) {
    switch (error) {
    case UpdateError::unreadable: return "unreadable";
    case UpdateError::bad_key: return "bad key";
    case UpdateError::bad_signature: return "bad signature";
    case UpdateError::malformed: return "malformed list";
    case UpdateError::no_timestamp: return "no timestamp";
    case UpdateError::stale: return "stale list";
    case UpdateError::install_failed: return "install failed";
    }
    return "?";
}

UpdateVerdict judge_candidate(const std::string& list, const std::string& signature,
                              const std::string& key_pem, const std::optional<std::string>& installed) {
    if (auto problem = tls::list_signature_problem(bytes_of(list), bytes_of(signature), key_pem)) {
        const auto error = problem->error == tls::ListSignatureError::bad_key ? UpdateError::bad_key
                                                                              : UpdateError::bad_signature;
        return refuse(error, problem->reason);
    }
    UpdateVerdict verdict;
    try {
        verdict.candidate = tls::parse_ct_log_list_header(list);
        // What the daemon builds at reload: every log's key must be usable.
        tls::CtLogStore store(tls::parse_ct_log_list(list));
        verdict.logs = store.size();
    } catch (const std::exception& e) {
        return refuse(UpdateError::malformed, e.what());
    }
    if (verdict.logs == 0) return refuse(UpdateError::malformed, "CT log list: no logs at all");
    if (!verdict.candidate.timestamp)
        return refuse(UpdateError::no_timestamp,
                      "no \"log_list_timestamp\": cannot tell whether it is newer than the installed list");
    if (installed) {
        std::optional<tls::CtLogListHeader> old;
        try {
            old = tls::parse_ct_log_list_header(*installed);
        } catch (const std::exception&) {
            // An installed file that does not parse is replaced by any good list.
        }
        if (old && old->timestamp) {
            if (*verdict.candidate.timestamp < *old->timestamp) {
                auto v = refuse(
                    UpdateError::stale,
                    fmt::format("its log_list_timestamp {} (version \"{}\") is older than the installed "
                                "list's {} (version \"{}\")",
                                tls::rfc3339(*verdict.candidate.timestamp), verdict.candidate.version,
                                tls::rfc3339(*old->timestamp), old->version));
                v.candidate = verdict.candidate;
                return v;
            }
            if (*verdict.candidate.timestamp == *old->timestamp && list == *installed) {
                verdict.kind = UpdateVerdict::Kind::current;
                return verdict;
            }
        }
    }
    verdict.kind = UpdateVerdict::Kind::install;
    return verdict;
}

std::optional<std::string> read_bounded(const std::string& path, std::size_t limit, std::string& error) {
    net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error = fmt::format("cannot read \"{}\": {}", path, std::strerror(errno));
        return std::nullopt;
    }
    std::string out;
    char buffer[65536];
    for (;;) {
        const auto n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = fmt::format("cannot read \"{}\": {}", path, std::strerror(errno));
            return std::nullopt;
        }
        if (n == 0) return out;
        out.append(buffer, static_cast<std::size_t>(n));
        if (out.size() > limit) {
            error = fmt::format("\"{}\" is larger than {} bytes: not a CT log list", path, limit);
            return std::nullopt;
        }
    }
}

std::string install_atomically(const std::string& target, const std::string& bytes) {
    const std::string temporary = target + ".new";
    auto failed = [&](std::string_view what) {
        std::string why = fmt::format("{} \"{}\": {}", what, temporary, std::strerror(errno));
        ::unlink(temporary.c_str());
        return why;
    };
    {
        net::UniqueFd fd(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!fd) return failed("cannot create");
        std::size_t done = 0;
        while (done < bytes.size()) {
            const auto n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return failed("cannot write");
            done += static_cast<std::size_t>(n);
        }
        if (::fchmod(fd.get(), 0644) != 0) return failed("cannot chmod");
        if (::fsync(fd.get()) != 0) return failed("cannot fsync");
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
        std::string why = fmt::format("cannot rename \"{}\" to \"{}\": {}", temporary, target,
                                      std::strerror(errno));
        ::unlink(temporary.c_str());
        return why;
    }
    net::UniqueFd dir(::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0)
        return fmt::format("installed, but cannot fsync the directory of \"{}\": {}", target,
                           std::strerror(errno));
    return "";
}

}  // namespace smtpsec::tools

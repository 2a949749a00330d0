// Downloads with curl(1), which the package depends on: the HTTPS client
// Debian keeps current (TLS, proxies, redirects), rather than one of ours.
#pragma once

#include <string>

namespace smtpsec::tools {

// Fetches `url` into `file` (https only, at most `max_bytes`, two minutes);
// empty on success, else curl's complaint.
std::string fetch_with_curl(const std::string& url, const std::string& file, std::size_t max_bytes);

}  // namespace smtpsec::tools

// Whole-file reads with the file named in every error.
#include "crypto/read_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace smtpsec::crypto {

Expected<std::string, std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected{in_file(path, std::strerror(errno))};
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) return Unexpected{in_file(path, "read error")};
    return contents.str();
}

std::string in_file(const std::string& path, const std::string& message) { return path + ": " + message; }

}  // namespace smtpsec::crypto

// Reads a whole (small) PEM file for the loaders of keys and certificate chains.
//
// Why it exists: both loaders must report a missing or unreadable file with its
// name, the way an operator needs it at start-up.
#pragma once

#include <string>

#include "smtpsec/expected.h"

namespace smtpsec::crypto {

// The file's bytes, or "PATH: reason".
Expected<std::string, std::string> read_file(const std::string& path);

// "PATH: message", for errors found in a file's contents.
std::string in_file(const std::string& path, const std::string& message);

}  // namespace smtpsec::crypto

// The error value of every src/imf function.
//
// Why: message content comes from the network; a malformed message is an
// ordinary outcome to be logged and answered, not an exception. The reason is
// written for an operator's log, the offset points into the message.
#pragma once

#include <cstddef>
#include <string>

namespace smtpsec::imf {

struct ImfError {
    std::string reason;
    std::size_t offset = 0;  // byte offset in the input the reason refers to
};

}  // namespace smtpsec::imf

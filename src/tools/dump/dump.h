// smtpsec-dump's model: what it learned about each Message of a stream, so
// that the text and JSON printers print the same facts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "smtpsec/codec.h"

namespace smtpsec::dump {

// The outcome of --verify for one Email.
struct Verification {
    bool valid = false;
    std::string status;  // "valid", "bad_signature", "no_client_hello", ...
};

struct Entry {
    std::uint64_t number = 0;  // index in the stream (docs/decisions.md point 15)
    std::uint64_t size = 0;
    std::optional<Message> message;    // set when it decoded
    std::optional<DecodeError> error;  // set when it did not
    std::optional<Verification> verification;
};

void print_text(const Entry& entry, std::string& out);
void print_json(const Entry& entry, std::string& out);

// A one-line description of a certificate (subject and key) for the text form.
std::string describe_certificate(const Bytes& der);

}  // namespace smtpsec::dump

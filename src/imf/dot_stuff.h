// SMTP DATA transparency (RFC 5321 4.5.2): a message in, the bytes to send
// after the 354 reply out, ending with CRLF "." CRLF.
//
// Why streaming: a 64 MiB message is stuffed chunk by chunk as the socket
// drains, never as a second whole copy.
//
// Line endings (a decision): every line ending is sent as CRLF. A bare LF or
// a bare CR in the message (docs/decisions.md point 11 forbids them, but the
// body is signed and not inspected) is turned into CRLF, and the line after it
// is dot-stuffed like any other. Sending them as they are would let a message
// smuggle "<LF>.<CR><LF>" (an end of data for an MTA that accepts bare LF)
// followed by SMTP commands into the local MTA's re-injection port: SMTP
// smuggling. A message that does not end with CRLF gets one before the final
// dot.
#pragma once

#include <string>
#include <string_view>

namespace smtpsec::imf {

class DotStuffer {
public:
    // Appends the stuffed form of the next piece of the message to `out`.
    void feed(std::string_view in, std::string& out);
    // Appends what ends the data: a CRLF if the last line is open, then ".\r\n".
    void finish(std::string& out);

private:
    bool at_line_start_ = true;
    bool pending_cr_ = false;  // a CR seen at the end of the last piece
};

// The whole message at once.
std::string dot_stuff(std::string_view message);

}  // namespace smtpsec::imf

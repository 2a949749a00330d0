// Queue ids: unique, and sorting them sorts entries by arrival.
//
// Why this shape: like Postfix's long queue ids, the id starts with the
// arrival time (seconds, then microseconds) so `ls` and `smtpsec-queue list`
// show the oldest mail first; random bits keep two gateways' or two threads'
// ids apart. Upper-case hex, 21 characters, safe as a file name.
#pragma once

#include <string>
#include <string_view>

namespace smtpsec::queue {

std::string make_queue_id();

// 21 upper-case hex digits: what make_queue_id gives. Guards file names built
// from ids typed by an operator.
bool is_queue_id(std::string_view text);

}  // namespace smtpsec::queue

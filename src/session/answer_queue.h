// Answers to a peer's Messages, released strictly in the order of the
// Messages they answer (docs/decisions.md point 17: "in order"). An answer that
// is ready waits behind an earlier Email still being authenticated or
// delivered.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "smtpsec/message.h"

namespace smtpsec::session {

class AnswerQueue {
public:
    // Reserves the place of Message `number`; its answer comes later.
    void reserve(std::uint32_t number);
    // Queues a ready answer for Message `number` in arrival order.
    void push_ready(std::uint32_t number, Message answer, bool close_after = false);
    // Fills in the answer reserved for `number`. False if none was reserved.
    bool fulfil(std::uint32_t number, Message answer, bool close_after = false);

    // Encodes every answer at the front that is ready into `out`. Returns
    // true if one of them asks for the connection to close; the rest are
    // then dropped unanswered (point 18).
    bool flush(std::vector<std::uint8_t>& out);

    // Forgets every slot after Message `number` (they will never be answered:
    // an answer that closes the connection comes first).
    void drop_after(std::uint32_t number);

    std::size_t waiting() const { return slots_.size(); }

private:
    struct Slot {
        std::uint32_t number;
        std::optional<Message> answer;
        bool close_after = false;
    };
    std::deque<Slot> slots_;
};

}  // namespace smtpsec::session

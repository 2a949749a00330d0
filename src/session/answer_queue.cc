// See answer_queue.h.
#include "session/answer_queue.h"

#include "smtpsec/codec.h"

namespace smtpsec::session {

void AnswerQueue::reserve(std::uint32_t number) { slots_.push_back(Slot{number, std::nullopt, false}); }

void AnswerQueue::push_ready(std::uint32_t number, Message answer, bool close_after) {
    slots_.push_back(Slot{number, std::move(answer), close_after});
}

bool AnswerQueue::fulfil(std::uint32_t number, Message answer, bool close_after) {
    for (auto& slot : slots_) {
        if (slot.number == number && !slot.answer) {
            slot.answer = std::move(answer);
            slot.close_after = close_after;
            return true;
        }
    }
    return false;
}

void AnswerQueue::drop_after(std::uint32_t number) {
    std::erase_if(slots_, [number](const Slot& s) { return s.number > number; });
}

bool AnswerQueue::flush(std::vector<std::uint8_t>& out) {
    while (!slots_.empty() && slots_.front().answer) {
        encode_to(*slots_.front().answer, out);
        bool close = slots_.front().close_after;
        slots_.pop_front();
        if (close) {
            slots_.clear();
            return true;
        }
    }
    return false;
}

}  // namespace smtpsec::session

// Lets a method that calls out learn afterwards whether its object was
// destroyed by that call, without any allocation or shared token.
//
// Why: an object that hands work to its owner in a loop (tls::Stream
// giving each record's input to its Handler, which may end and destroy it)
// cannot make every call its last act. The object holds a DestructAnchor;
// the method puts a DestructObserver on its stack around the calls; the
// anchor's destructor marks every observer still on the stack. Prefer a
// DeferEvent or making the call the method's last act; use this only where
// the method must go on after a call that may destroy it. (The pattern of
// Max Kellermann's libcommon, the library MPD's code shares.)
#pragma once

namespace smtpsec::event {

class DestructObserver;

class DestructAnchor {
public:
    DestructAnchor() = default;
    ~DestructAnchor();
    // An object that moves is a new object: observers stay with the old one.
    DestructAnchor(const DestructAnchor&) = delete;
    DestructAnchor& operator=(const DestructAnchor&) = delete;

private:
    friend class DestructObserver;
    DestructObserver* observers_ = nullptr;  // innermost first
};

// GCC 12 warns that the anchor keeps this stack object's address; the
// observer's destructor takes it out again before the frame ends.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
class DestructObserver {
public:
    explicit DestructObserver(DestructAnchor& anchor) : anchor_(&anchor), next_(anchor.observers_) {
        anchor.observers_ = this;
    }
    ~DestructObserver() {
        if (anchor_ != nullptr) anchor_->observers_ = next_;
    }
    DestructObserver(const DestructObserver&) = delete;
    DestructObserver& operator=(const DestructObserver&) = delete;

    // Whether the anchor's object was destroyed since this was made.
    bool destroyed() const { return anchor_ == nullptr; }
    explicit operator bool() const { return destroyed(); }

private:
    friend class DestructAnchor;
    DestructAnchor* anchor_;
    DestructObserver* next_;
};
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

inline DestructAnchor::~DestructAnchor() {
    for (auto* o = observers_; o != nullptr; o = o->next_) o->anchor_ = nullptr;
}

}  // namespace smtpsec::event

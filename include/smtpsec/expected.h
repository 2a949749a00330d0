// A minimal value-or-error type: errors are values at protocol boundaries
// (C++20 has no std::expected; this is the subset the project needs).
#pragma once

#include <utility>
#include <variant>

namespace smtpsec {

template <class E>
struct Unexpected {
    // A constructor, not an aggregate: clang before 17 (the fuzz build)
    // cannot deduce E for `Unexpected(value)` of an aggregate.
    constexpr explicit Unexpected(E e) : error(std::move(e)) {}
    E error;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class Expected {
public:
    Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Expected(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

}  // namespace smtpsec

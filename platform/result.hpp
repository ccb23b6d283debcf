#pragma once
/// @brief Result<T, E>: a value or an error, never both. Errors are values; nothing here throws.
/// It sits in platform/, the bottom layer, so every layer (platform, sync, kiosk) can use it.
#include <cassert>
#include <utility>
#include <variant>

namespace cate {

template <class E>
struct Err {
  E error;
  // A constructor, so Err(x) works with every compiler (clang 14 lacks C++20 aggregate
  // initialisation from parentheses); Err{x} works too.
  Err(E e) : error(std::move(e)) {}
};
template <class E>
Err(E) -> Err<E>;

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class F>
  Result(Err<F> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const E& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace cate

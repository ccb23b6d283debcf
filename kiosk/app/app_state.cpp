#include "kiosk/app/app_state.hpp"

#include <cstring>
#include <string.h>  // explicit_bzero

namespace cate::app {

const char* screen_code(Screen screen) {
  switch (screen) {
    case Screen::Welcome: return "welcome";
    case Screen::Checking: return "checking";
    case Screen::Result: return "result";
  }
  return "unknown";
}

bool TypedText::append(std::string_view text) {
  if (text.size() > kCapacity - size_) {
    overflowed_ = true;
    return false;
  }
  std::memcpy(bytes_.data() + size_, text.data(), text.size());
  size_ += text.size();
  return true;
}

void TypedText::pop_back_character() {
  // Remove UTF-8 continuation bytes, then the lead byte.
  while (size_ > 0 && (static_cast<unsigned char>(bytes_[size_ - 1]) & 0xC0) == 0x80) bytes_[--size_] = 0;
  if (size_ > 0) bytes_[--size_] = 0;
}

void TypedText::wipe() {
  explicit_bzero(bytes_.data(), bytes_.size());
  size_ = 0;
  overflowed_ = false;
}

void wipe(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
  s.shrink_to_fit();
}

std::size_t AppState::typed_bytes() const {
  std::size_t n = keyboard_code.text.size();
  if (result) n += result->message.title.size() + result->message.body.size() + result->message.next_step.size();
  return n;
}

}  // namespace cate::app

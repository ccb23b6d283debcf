#include "kiosk/app/app_state.hpp"

#include <cstring>
#include <string.h>  // explicit_bzero

namespace cate::app {

const char* screen_code(Screen screen) {
  switch (screen) {
    case Screen::Welcome: return "welcome";
    case Screen::Checking: return "checking";
    case Screen::Result: return "result";
    case Screen::FindRsvp: return "find_rsvp";
    case Screen::StaffPin: return "staff_pin";
    case Screen::ChoosePin: return "choose_pin";
    case Screen::StaffHome: return "staff_home";
    case Screen::StaffCheckIn: return "staff_check_in";
    case Screen::StaffSync: return "staff_sync";
    case Screen::Form: return "form";
    case Screen::FormThanks: return "form_thanks";
    case Screen::StaffForms: return "staff_forms";
    case Screen::StaffClock: return "staff_clock";
    case Screen::StaffCamera: return "staff_camera";
    case Screen::StaffExport: return "staff_export";
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

void RosterSearch::wipe() {
  text.wipe();
  for (auto& m : matches) app::wipe(m.first_name), app::wipe(m.last_initial);
  matches.clear();
  matches.shrink_to_fit();
  chosen.reset();
  ++asked;  // an answer still on its way is for a search no one is making now
}

void StaffView::wipe() {
  for (auto& c : recent) app::wipe(c.first_name), app::wipe(c.last_initial);
  recent.clear();
  recent.shrink_to_fit();
  meetings.clear();
  app::wipe(notice);
  unlocked = false;
  busy = false;
  read_at = -1;
}

void SetupView::wipe() {
  enrol = Enrol::Nothing;
  app::wipe(enrol_words);
  may_choose_pin = false;
}

void NewPinEntry::wipe() {
  first.wipe();
  again.wipe();
  confirming = false;
  said = Said::Nothing;
  problem = StaffPinProblem::None;
}

void FormSession::wipe() {
  answers.wipe();
  form = nullptr;
  held.reset();
  page = 0;
  problem.reset();
  said = Said::Nothing;
  shift = false;
}

std::size_t AppState::typed_bytes() const {
  std::size_t n = keyboard_code.text.size() + search.text.size() + pin.digits.size() + new_pin.first.size() +
                  new_pin.again.size() + staff.notice.size() + form.answers.bytes();
  for (const auto& m : search.matches) n += m.first_name.size() + m.last_initial.size();
  for (const auto& c : staff.recent) n += c.first_name.size() + c.last_initial.size();
  if (result) n += result->message.title.size() + result->message.body.size() + result->message.next_step.size();
  return n;
}

}  // namespace cate::app

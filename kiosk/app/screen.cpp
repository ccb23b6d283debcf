#include "kiosk/app/screen.hpp"

namespace cate::app {

ImU32 ScreenView::background(const AppState&, const Theme& theme) const { return theme.background; }

void ScreenRegistry::add(std::unique_ptr<ScreenView> screen) { screens_.push_back(std::move(screen)); }

ScreenView* ScreenRegistry::find(Screen id) const {
  for (const auto& s : screens_)
    if (s->id() == id) return s.get();
  return nullptr;
}

ScreenRegistry make_screens() {
  ScreenRegistry r;
  r.add(make_welcome_screen());
  r.add(make_checking_screen());
  r.add(make_result_screen());
  r.add(make_find_rsvp_screen());
  r.add(make_staff_check_in_screen());
  r.add(make_staff_pin_screen());
  r.add(make_choose_pin_screen());
  r.add(make_staff_home_screen());
  r.add(make_staff_sync_screen());
  r.add(make_form_screen());
  r.add(make_form_thanks_screen());
  r.add(make_staff_forms_screen());
  r.add(make_staff_camera_screen());
  r.add(make_staff_export_screen());
  r.add(make_staff_clock_screen());
  return r;
}

}  // namespace cate::app

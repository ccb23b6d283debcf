#pragma once
/// @brief A screen of the kiosk, and the registry the app finds each screen in.
#include <memory>
#include <vector>

#include "kiosk/app/app_state.hpp"
#include "kiosk/app/intents.hpp"
#include "kiosk/app/ui.hpp"

namespace cate::app {

/// What a code from the keyboard, a scanner or the camera means on a screen.
enum class ScanUse {
  None,           ///< not taken (a form, most of staff mode): dropped
  CheckIn,        ///< a ticket to check in (Welcome, a result on screen)
  Enrol,          ///< the office's enrolment code (staff's Sync screen)
  EnrolFirstRun,  ///< the office's enrolment code on a kiosk with no staff PIN (first-run setup)
};

/// @brief One screen: draws from the state and returns what the person asked for.
class ScreenView {
 public:
  virtual ~ScreenView() = default;
  virtual Screen id() const = 0;
  /// What a code from the keyboard or a scanner means while this screen shows, as it is now.
  virtual ScanUse scan_use(const AppState&) const { return ScanUse::None; }
  bool takes_scans(const AppState& state) const { return scan_use(state) != ScanUse::None; }
  /// Whether this screen shows the camera's preview (new frames then wake the window loop).
  virtual bool shows_camera() const { return false; }
  /// Background colour of the whole screen.
  virtual ImU32 background(const AppState& state, const Theme& theme) const;
  /// Draws the screen's content into the full-screen window; adds intents to `out`.
  virtual void draw(const AppState& state, const Ui& ui, Intents& out) = 0;
};

/// @brief Every screen, one each, found by its Screen.
class ScreenRegistry {
 public:
  void add(std::unique_ptr<ScreenView> screen);
  ScreenView* find(Screen id) const;  ///< nullptr when that screen is not registered

 private:
  std::vector<std::unique_ptr<ScreenView>> screens_;
};

/// The registry with every screen this build has.
ScreenRegistry make_screens();

// Each screen lives in screens/<name>.cpp.
std::unique_ptr<ScreenView> make_welcome_screen();
std::unique_ptr<ScreenView> make_checking_screen();
std::unique_ptr<ScreenView> make_result_screen();
std::unique_ptr<ScreenView> make_find_rsvp_screen();       // screens/find_rsvp.cpp
std::unique_ptr<ScreenView> make_staff_check_in_screen();  // screens/find_rsvp.cpp
std::unique_ptr<ScreenView> make_staff_pin_screen();     // screens/staff_pin.cpp (with first-run setup)
std::unique_ptr<ScreenView> make_choose_pin_screen();    // screens/choose_pin.cpp
std::unique_ptr<ScreenView> make_staff_home_screen();
std::unique_ptr<ScreenView> make_staff_sync_screen();     // screens/staff_sync.cpp
std::unique_ptr<ScreenView> make_form_screen();         // screens/form.cpp
std::unique_ptr<ScreenView> make_form_thanks_screen();  // screens/form.cpp
std::unique_ptr<ScreenView> make_staff_forms_screen();
std::unique_ptr<ScreenView> make_staff_camera_screen();
std::unique_ptr<ScreenView> make_staff_export_screen();  // screens/staff_export.cpp
std::unique_ptr<ScreenView> make_staff_clock_screen();   // screens/staff_clock.cpp

}  // namespace cate::app

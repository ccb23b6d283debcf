#pragma once
/// @brief The kiosk as a systemd service: wraps the app the window runs and, from the window's
/// own loop, tells systemd READY=1 once the first Welcome frame is on the screen and pets the
/// watchdog at half its interval, also when nobody touches the kiosk (the loop's wait is cut
/// short for it). A hung loop, a stuck GPU call or a deadlock stops the pings, and systemd
/// restarts the service. Outside systemd it changes nothing.
#include <algorithm>

#include "kiosk/app/kiosk_app.hpp"
#include "platform/systemd/notify.hpp"
#include "platform/window/window.hpp"

namespace cate::app {

class ServiceApp final : public window::WindowApp {
 public:
  ServiceApp(KioskApp& app, systemd::ServiceNotifier& notifier) : app_(app), notifier_(notifier) {}

  void start(const window::Fonts& fonts) override { app_.start(fonts); }
  void draw() override {
    loop_turn();
    app_.draw();
    welcome_drawn_ = welcome_drawn_ || app_.state().screen == Screen::Welcome;
  }
  void on_keyboard(const window::KeyboardInput& input) override { app_.on_keyboard(input); }
  void on_activity() override { app_.on_activity(); }
  int next_frame_in_ms() override {
    loop_turn();
    const int app_wants = app_.next_frame_in_ms();
    const int ping = notifier_.ms_until_ping();
    if (ping < 0) return app_wants;
    return app_wants < 0 ? ping : std::min(app_wants, ping);
  }
  bool wants_to_close() const override { return app_.wants_to_close(); }

 private:
  /// Each turn of the loop: READY=1 once a Welcome frame has been swapped to the screen (the
  /// turn after it was drawn), and the watchdog when it is due.
  void loop_turn() {
    if (welcome_drawn_ && !notifier_.is_ready()) notifier_.ready("showing the welcome screen");
    notifier_.tick();
  }

  KioskApp& app_;
  systemd::ServiceNotifier& notifier_;
  bool welcome_drawn_ = false;
};

}  // namespace cate::app

#pragma once
/// @brief KioskApp: the kiosk in its window. Owns the AppState, finds the current screen in the
/// registry, carries out the intents screens return, sends check-ins to the store's thread and
/// takes the answers back through one RunQueue. Also the timers: a welcome's few seconds, a
/// refusal's longer ones, staff mode's live counts, the PIN's wait, and the idle reset that
/// wipes everything for the next person (and locks staff mode).
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "kiosk/app/app_state.hpp"
#include "kiosk/app/devices.hpp"
#include "kiosk/app/intents.hpp"
#include "kiosk/app/run_queue.hpp"
#include "kiosk/app/screen.hpp"
#include "kiosk/app/text_log.hpp"
#include "kiosk/app/usb_watch.hpp"
#include "kiosk/app/ui.hpp"
#include "kiosk/core/store_service.hpp"
#include "platform/systemd/clock_service.hpp"
#include "platform/window/grey_texture.hpp"
#include "platform/window/window.hpp"

namespace cate::app {

class KioskApp final : public window::WindowApp {
 public:
  /// `wake` makes the window loop draw soon (any thread). `text_log` is for UI tests; may be null.
  KioskApp(const AppConfig& config, StoreService& store, std::function<void()> wake,
           std::unique_ptr<FrameTextLog> text_log);
  ~KioskApp() override;

  void start(const window::Fonts& fonts) override;
  void draw() override;
  void on_keyboard(const window::KeyboardInput& input) override;
  void on_activity() override;
  int next_frame_in_ms() override;
  bool wants_to_close() const override { return false; }

  const AppState& state() const { return state_; }
  /// The background sync staff mode shows and "Sync now" asks; it must outlive the app. New
  /// records (check-ins, undos) ask it for a round soon. Without one, staff mode says so.
  void attach_sync(SyncScheduler* sync);
  /// Takes the camera, serial scanner and chime and starts them: their codes come back through
  /// the same queue as the store's answers and go the way typed and wedge codes go.
  void attach(AppDevices devices);

 private:
  std::int64_t clock() const;
  void apply(Intent& intent);
  void check_in(std::string code, CheckInMethod method);  ///< a code taken here: what it means is the screen's (scan_use)
  void code_arrived(std::string code, CheckInMethod method);  ///< from the camera or a serial scanner
  void update_devices(bool take_preview);  ///< tells the camera what the screen needs; reads its state
  TypedText* typing_target();             ///< the buffer the current screen types into, if any
  void type_key(const TypeKey& key);
  void submit_keyboard_code();
  void search_changed();
  void submit_pin();
  void ask_pin_state();
  void read_staff_view();
  void check_in_rsvp(const CheckInRsvp& who);
  void undo_check_in(const UndoCheckIn& what);
  void choose_meeting(MeetingId meeting);
  /// A staff setting written on the store's thread (staff mode busy meanwhile; "not saved" when
  /// it failed), then staff mode (and with `forms_too` what Welcome offers) read again.
  void staff_change(std::function<bool(Store&)> change, bool forms_too);
  /// The office's enrolment code traded on the store's thread (enrol_kiosk), as the staff sync
  /// screen and first-run setup both do; `done` gets what came of it back on this thread.
  struct EnrolAnswer {
    enum class Kind { Enrolled, Failed, NotACode, HasPin } kind = Kind::Failed;
    std::string words;  ///< the server's name and address when enrolled, or why it failed
  };
  void enrol_by_code(std::string code, bool only_without_pin, std::function<void(KioskApp&, EnrolAnswer&)> done);
  void enrol(std::string code);  ///< the staff sync screen's scan
  // First-run setup on a kiosk with no staff PIN: the enrolment scan, then a PIN chosen.
  void enrol_first_run(std::string code);
  void submit_new_pin();
  void record_written();
  // Forms and the kiosk mode (kiosk_app_forms.cpp).
  void read_forms_setup();
  void start_form(const StartForm& start);
  void form_step(bool forward);
  void form_key(const TypeKey& key);
  void form_choose(std::size_t choice);
  void send_form();
  void set_kiosk_mode(KioskMode mode);
  // Export to USB (kiosk_app_export.cpp).
  void export_screen_changed(Screen from, Screen to);
  void read_export_state();
  void sticks_found(std::vector<UsbStick> sticks);
  void export_to_stick(const std::string& folder);
  void take_office_receipts(const std::string& folder);
  // Date and time (kiosk_app_clock.cpp).
  void judge_clock();
  void clock_screen_opened();
  void step_clock(const StepClock& step);
  void set_clock();
  void look_for_clock_answer();
  std::int64_t clock_deadline() const;  ///< app clock of the clock screen's next look, or -1
  std::int64_t idle_limit() const;
  void show(ScanResult& result);
  void go(Screen screen);
  void wipe_for_next_person();
  void run_timers();
  std::int64_t next_deadline() const;  ///< app clock of the next timer, or -1

  AppState state_;
  StoreService& store_;
  std::shared_ptr<RunQueue<KioskApp>> answers_;
  ScreenRegistry screens_;
  SyncScheduler* sync_ = nullptr;
  Theme theme_;
  window::Fonts fonts_;
  std::unique_ptr<FrameTextLog> text_log_;
  std::vector<ButtonSpot> buttons_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  bool said_ready_ = false;  ///< "ready" said once, on the first Welcome frame (start-up time)
  std::unique_ptr<window::GreyTexture> preview_;  ///< the camera preview on the GPU
  std::unique_ptr<UsbStickWatch> usb_watch_;  ///< made the first time Export to USB opens
  systemd::ClockService clock_service_;       ///< the device's clock: network time, requests to set it
  AppDevices devices_;  ///< last: their threads stop first
};

}  // namespace cate::app

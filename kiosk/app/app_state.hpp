#pragma once
/// @brief AppState: everything the kiosk's screens show, owned by the app (the single source of
/// truth; screens only read it). Also the settings a kiosk runs with (AppConfig).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/app/devices_view.hpp"
#include "kiosk/app/usb_export_view.hpp"
#include "kiosk/core/clock.hpp"
#include "kiosk/core/forms.hpp"
#include "kiosk/core/messages.hpp"
#include "kiosk/core/outcome.hpp"
#include "kiosk/core/staff_pin.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/core/sync_scheduler.hpp"
#include "platform/systemd/clock_service.hpp"

namespace cate::app {

/// The screen in front of the person.
enum class Screen {
  Welcome,       ///< what to do, in big words; takes scans; never a name, list, count or address
  Checking,      ///< a code was read; the store is checking it in
  Result,        ///< the answer to a scan: one message per ScanOutcome
  FindRsvp,      ///< "I don't have my code": search by name or e-mail, choose, "This is me"
  StaffPin,      ///< the staff PIN on a number pad; on a kiosk with no PIN, first-run setup (an enrolment scan)
  ChoosePin,     ///< first-run setup: a staff PIN chosen, typed twice, right after enrolling by the office's code
  StaffHome,     ///< staff mode: meeting, counts, latest check-ins with undo, device information
  StaffCheckIn,  ///< staff mode: check someone in by name
  StaffSync,     ///< staff mode: sync state, Sync now with progress, enrolment by scanning the office's code
  StaffCamera,   ///< staff mode: camera test (preview, the last code read, frames a second)
  StaffExport,   ///< staff mode: export to a USB stick with no network, and the office's receipt
  Form,          ///< a walk-in or sign-up form, one question at a time (screens/form.cpp)
  FormThanks,    ///< the form was sealed and recorded: thank you
  StaffForms,    ///< staff mode: what the kiosk offers (mode), whether forms can be sealed, counts
  StaffClock,    ///< staff mode: the date and time, whether network time keeps them, setting them by hand
};
inline constexpr Screen kAllScreens[] = {Screen::Welcome,   Screen::Checking,    Screen::Result,
                                         Screen::FindRsvp,  Screen::StaffPin,    Screen::StaffHome,
                                         Screen::StaffCheckIn, Screen::StaffSync, Screen::StaffCamera,
                                         Screen::StaffExport, Screen::Form,   Screen::FormThanks, Screen::StaffForms,
                                         Screen::ChoosePin,  Screen::StaffClock};
/// "welcome", "checking", "result", "find_rsvp", "staff_pin", "choose_pin", "staff_home", "staff_check_in",
/// "staff_sync", "staff_camera", "staff_export", "form", "form_thanks", "staff_forms", "staff_clock"
const char* screen_code(Screen screen);
/// The screens only staff past the PIN may see.
inline bool is_staff_screen(Screen s) {
  return s == Screen::StaffHome || s == Screen::StaffCheckIn || s == Screen::StaffSync || s == Screen::StaffCamera ||
         s == Screen::StaffForms || s == Screen::StaffExport || s == Screen::StaffClock;
}

/// How the kiosk behaves; set from the command line (cate-kiosk --help).
struct AppConfig {
  Language language = Language::English;  ///< the language each new person starts in
  std::int64_t idle_ms = 30'000;          ///< no touch or key for this long: back to Welcome, wiped
  std::int64_t welcome_ms = 5'000;        ///< how long a welcome (success) stays on screen
  std::int64_t refusal_ms = 20'000;       ///< how long a refusal stays, unless "Done" is touched
  bool show_first_name = true;            ///< the welcome may say the person's first name
  std::int64_t staff_idle_ms = 120'000;   ///< staff mode left untouched this long: back to Welcome, locked
  bool demo = false;                      ///< running on the demo meeting (says so on screen, with its staff PIN)
  std::string store_path;                 ///< shown to staff under device information
  std::string resources_url;              ///< Welcome shows it as a QR code ("resources on your phone"); empty: none
  StickSearch usb;                        ///< where "Export to USB" looks for sticks (--usb-folder, --usb-roots)
  systemd::ClockPaths clock;              ///< where "Date and time" asks the system to set the clock (--clock-folder)
};

/// Text typed or scanned, in a fixed buffer (never reallocated, so never copied around the
/// heap) that is zeroed when wiped.
class TypedText {
 public:
  static constexpr std::size_t kCapacity = 1024;
  TypedText() = default;
  TypedText(const TypedText&) = delete;
  TypedText& operator=(const TypedText&) = delete;
  ~TypedText() { wipe(); }

  /// Adds text; false (and nothing added) when it would not fit.
  bool append(std::string_view text);
  void pop_back_character();  ///< removes the last UTF-8 character (Backspace)
  void wipe();                ///< zeroes the bytes and empties it
  std::string_view view() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool overflowed() const { return overflowed_; }

 private:
  std::array<char, kCapacity> bytes_{};
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

/// Zeroes a string's bytes, then empties it.
void wipe(std::string& s);

/// A code arriving from the keyboard: typed by hand or sent by a keyboard-wedge scanner.
struct KeyboardCode {
  TypedText text;
  std::uint32_t first_key_ms = 0;  ///< keyboard clock of the first character
  std::uint32_t last_key_ms = 0;
  std::int64_t last_key_at = 0;    ///< app clock of the last character (for the idle wipe)
  int keys = 0;
};

/// The answer on the Result screen, with its words made once when it arrived.
struct ShownResult {
  ScanOutcome outcome = ScanOutcome::Unreadable;
  Message message;  ///< holds at most a first name; wiped when the screen is left
};

/// A search of the roster by name or e-mail (Find my RSVP, and staff check-in by name).
struct RosterSearch {
  TypedText text;                    ///< what was typed (on-screen or physical keyboard)
  std::vector<RosterMatch> matches;  ///< first name and last initial only; at most 6
  std::uint64_t asked = 0;           ///< number of the latest search asked (older answers are dropped)
  std::optional<std::size_t> chosen; ///< Find my RSVP: the match touched, waiting for "This is me"
  void wipe();
};

/// The staff PIN being typed, and what the last try gave.
struct PinEntry {
  enum class Said { Nothing, Checking, Wrong, Wait, NoPin, Failed };
  TypedText digits;              ///< wiped as soon as it is handed to the store
  Said said = Said::Nothing;     ///< NoPin: this kiosk has no staff PIN; the screen is first-run setup
  std::int64_t retry_at = 0;     ///< app clock before which the pad is closed (growing wait)
  int failures = 0;              ///< wrong tries in a row
  bool enrolled = false;         ///< (with NoPin) the kiosk is enrolled already, but no PIN was chosen
};

/// First-run setup, on the PIN screen of a kiosk with no staff PIN: the office's one-time
/// enrolment code scanned there enrols the kiosk, and holding it is the proof of being staff:
/// only then may a PIN be chosen (Screen::ChoosePin). The right to choose lasts while the
/// setup screens stay in front (the PIN screen and Choose a staff PIN); back on Welcome, by
/// Back or the idle reset, it is gone, and a new enrolment code is needed.
struct SetupView {
  enum class Enrol { Nothing, Working, Done, Failed, NotACode } enrol = Enrol::Nothing;
  std::string enrol_words;       ///< the server's name when enrolled, or why it failed, in words
  bool may_choose_pin = false;   ///< enrolled by a code on this screen, no PIN chosen since
  void wipe();
};

/// A new staff PIN being chosen: typed, then typed again; both wiped as soon as they are
/// compared or handed to the store. Never drawn: one dot a digit.
struct NewPinEntry {
  enum class Said { Nothing, Refused, Mismatch, Saving, Failed, PinExists };
  TypedText first;               ///< the PIN typed the first time
  TypedText again;               ///< the same PIN typed again
  bool confirming = false;       ///< `first` is taken; `again` is being typed
  Said said = Said::Nothing;
  StaffPinProblem problem = StaffPinProblem::None;  ///< with Refused: which rule it broke
  TypedText& typing() { return confirming ? again : first; }
  const TypedText& typing() const { return confirming ? again : first; }
  void wipe();
};

/// What staff mode shows, read from the store on its thread.
struct StaffView {
  bool unlocked = false;         ///< the right PIN was given; cleared on leaving staff mode
  std::optional<MeetingId> active;
  std::vector<Meeting> meetings;
  StoreCounts counts;
  std::vector<CheckInLine> recent;  ///< latest check-ins (first name, last initial), for undo
  std::string device_id;
  int schema = 0;
  std::string notice;            ///< the last thing done: "Checked in: Ana G."
  bool busy = false;             ///< a change is being written
  std::int64_t read_at = -1;     ///< app clock of the last read (live counts read again every few seconds)
  std::int64_t latest_record_ms = 0;  ///< the store's latest record (Store::latest_record_ms), for clock_trust
  void wipe();
};

/// Staff mode's sync screen: the background sync's status, copied each frame it shows, and
/// enrolment by scanning the office's code.
struct SyncView {
  bool available = false;  ///< this kiosk runs a background sync (not in every test or the demo)
  SyncStatus status;
  std::int64_t now_ms = 0;  ///< wall clock when `status` was copied (for "4 min ago")
  enum class Enrol { Nothing, Working, Done, Failed } enrol = Enrol::Nothing;
  std::string enrol_words;  ///< the server's name when enrolled, or why it failed, in words
};

/// Staff mode's "Date and time": whether the clock can be trusted, the date and time on its keys,
/// and what the system said to the last request to set it.
struct ClockView {
  ClockTrust trust = ClockTrust::Unchecked;  ///< judged each frame a staff screen shows (clock_trust)
  std::int64_t now_ms = 0;   ///< the wall clock then, Unix ms
  bool can_set = false;      ///< the system takes requests (read when the screen opens)
  LocalDateTime editing;     ///< what the keys show; the clock's time when the screen opens
  /// Confirm: the keys' time is over kClockConfirmOverMs from the clock's; Set again to go on.
  enum class Said { Nothing, Confirm, Asking, Answered, NoAnswer, Failed } said = Said::Nothing;
  std::int64_t confirm_days = 0;  ///< with Confirm: how many whole days it moves the clock (negative: back)
  ClockAnswer answer;        ///< with Answered
  std::string problem;       ///< with Failed: why the request could not be handed over
  std::int64_t asked_at = 0; ///< app clock of the request (Asking gives up after kClockAnswerWaitMs)
};
/// How long "Date and time" waits for the system's answer before saying there was none.
inline constexpr std::int64_t kClockAnswerWaitMs = 10'000;
/// A change of the clock bigger than this is set only when "Set the clock" is touched twice (a
/// stray touch on Year + would otherwise move it a year, and the retention purge goes by it).
inline constexpr std::int64_t kClockConfirmOverMs = 24LL * 3600 * 1000;

/// A form being filled in: which one, the answers (fixed buffers, zeroed by wipe()), the
/// question on screen and what the last Next or Send said.
struct FormSession {
  enum class Said { Nothing, Sending, NotSaved, NoMeeting };
  std::shared_ptr<const FormDefinition> held;  ///< keeps `form` alive (an office definition may be replaced meanwhile)
  const FormDefinition* form = nullptr;        ///< the definition in use: held.get()
  FormAnswers answers;
  std::size_t page = 0;                  ///< the field on screen
  std::optional<FormProblem> problem;    ///< shown under the field; the answer stays as typed
  Said said = Said::Nothing;
  bool shift = false;                    ///< the on-screen keyboard's next letter is a capital
  void wipe();
};

/// What Welcome may offer: the kiosk mode staff chose, and whether forms can be sealed.
struct FormsSetup {
  KioskMode mode = KioskMode::Both;
  FormSealKey seal;                  ///< the key forms are sealed to, or why there is none
  bool meeting_active = false;       ///< walk-ins need one
  bool read = false;                 ///< read from the store at least once
  /// The definitions in use (forms.hpp, find_form): the office's where newer, else built-in.
  std::vector<std::shared_ptr<const FormDefinition>> definitions;
  std::shared_ptr<const FormDefinition> definition(std::string_view id) const {
    for (const auto& d : definitions)
      if (d->id == id) return d;
    return nullptr;
  }
  bool forms_on() const { return read && seal.key.has_value(); }
  bool check_in() const { return mode != KioskMode::SignUp; }
  bool sign_up() const { return mode != KioskMode::CheckIn && forms_on(); }
  bool walk_in() const { return check_in() && forms_on() && meeting_active; }
};

struct AppState {
  AppConfig config;
  Screen screen = Screen::Welcome;
  Language language = Language::English;
  std::int64_t now = 0;            ///< app clock (monotonic ms) for this frame
  std::int64_t screen_since = 0;   ///< when the current screen was entered
  std::int64_t last_activity = 0;  ///< last touch or key
  KeyboardCode keyboard_code;      ///< the hidden buffer typed and wedge-scanned codes collect in
  std::uint64_t keyboard_inputs = 0;  ///< keys and text handed to the app since it started (the text log's keys=)
  std::optional<ShownResult> result;
  int checks_in_flight = 0;        ///< codes handed to the store, answers not back yet
  RosterSearch search;             ///< Find my RSVP and staff check-in by name
  PinEntry pin;
  SetupView setup;                 ///< first-run setup on a kiosk with no staff PIN
  NewPinEntry new_pin;             ///< Choose a staff PIN
  StaffView staff;
  SyncView sync;
  FormSession form;                ///< the walk-in or sign-up form being filled in
  FormsSetup forms;
  DevicesView devices;             ///< the camera and the serial scanner, as last heard
  UsbExportView usb;               ///< staff mode's Export to USB: the sticks, the last export or receipt
  ClockView clock;                 ///< staff mode's Date and time

  /// Bytes held in every text buffer the screens fill (0 after a wipe); for tests and staff.
  std::size_t typed_bytes() const;
};

}  // namespace cate::app

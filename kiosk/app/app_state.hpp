#pragma once
/// @brief AppState: everything the kiosk's screens show, owned by the app (the single source of
/// truth; screens only read it). Also the settings a kiosk runs with (AppConfig).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kiosk/core/messages.hpp"
#include "kiosk/core/outcome.hpp"

namespace cate::app {

/// The screen in front of the person. Find my RSVP, walk-in, sign-up forms and staff mode
/// join this list as their screens are written.
enum class Screen {
  Welcome,   ///< what to do, in big words; takes scans; never a name, list, count or address
  Checking,  ///< a code was read; the store is checking it in
  Result,    ///< the answer to a scan: one message per ScanOutcome
};
inline constexpr Screen kAllScreens[] = {Screen::Welcome, Screen::Checking, Screen::Result};
const char* screen_code(Screen screen);  ///< "welcome", "checking", "result"

/// How the kiosk behaves; set from the command line (cate-kiosk --help).
struct AppConfig {
  Language language = Language::English;  ///< the language each new person starts in
  std::int64_t idle_ms = 30'000;          ///< no touch or key for this long: back to Welcome, wiped
  std::int64_t welcome_ms = 5'000;        ///< how long a welcome (success) stays on screen
  std::int64_t refusal_ms = 20'000;       ///< how long a refusal stays, unless "Done" is touched
  bool show_first_name = true;            ///< the welcome may say the person's first name
  bool demo = false;                      ///< running on the demo meeting (says so on screen)
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

struct AppState {
  AppConfig config;
  Screen screen = Screen::Welcome;
  Language language = Language::English;
  std::int64_t now = 0;            ///< app clock (monotonic ms) for this frame
  std::int64_t screen_since = 0;   ///< when the current screen was entered
  std::int64_t last_activity = 0;  ///< last touch or key
  KeyboardCode keyboard_code;      ///< the hidden buffer typed and wedge-scanned codes collect in
  std::optional<ShownResult> result;
  int checks_in_flight = 0;        ///< codes handed to the store, answers not back yet

  /// Bytes held in every text buffer the screens fill (0 after a wipe); for tests and staff.
  std::size_t typed_bytes() const;
};

}  // namespace cate::app

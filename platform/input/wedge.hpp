#pragma once
/// @brief Tells a keyboard-wedge barcode scanner from a person typing: a scanner "types" a whole
/// code in a burst of keys far faster than anyone can, ending in Enter (or in silence, for
/// scanners set to send no suffix). Pure logic on timed key events: no SDL, no devices.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cate {

/// One key as the kiosk saw it.
struct KeyEvent {
  enum class Kind {
    Character,  ///< a printable character, in `character`
    Enter,      ///< Return or keypad Enter
    Other,      ///< anything else (Backspace, Tab, arrows): never part of a scan
  } kind = Kind::Character;
  char32_t character = 0;  ///< the Unicode character for Character; a caller's own key code for Other
  std::int64_t ms = 0;     ///< when it arrived, on a monotonic clock in milliseconds
};

struct WedgeOptions {
  /// Keys at most this far apart belong to one burst. Scanners send a key every few ms (at
  /// most ~20-30 ms on slow settings); even a fast typist leaves 80-150 ms between keys.
  std::int64_t max_key_gap_ms = 40;
  /// Silence after a burst with no Enter before it counts as a finished scan (scanners set to
  /// send no suffix); an Enter arriving within this time still ends the scan as its suffix.
  std::int64_t end_pause_ms = 120;
  /// Shorter bursts are typing (two keys pressed together), not a scan.
  std::size_t min_length = 6;
};

/// What came out of the keys: a completed scan, or one key a person typed (to hand on to
/// whatever text field has focus).
struct WedgeOutput {
  enum class Kind { Scan, Typed } kind = Kind::Typed;
  std::string text;           ///< Scan: the code (UTF-8), without its Enter
  KeyEvent key;               ///< Typed: the key, as it came
  std::int64_t first_ms = 0;  ///< Scan: when its first key arrived
  std::int64_t last_ms = 0;   ///< Scan: when its last key (or Enter) arrived
};

/// @brief Sorts a stream of timed keys into scanner scans and typed keys. Feed every key in
/// order; call poll() when nothing arrives (keys of a person typing are held at most
/// max_key_gap_ms, a scan without Enter end_pause_ms).
class WedgeDetector {
 public:
  explicit WedgeDetector(WedgeOptions options = {}) : options_(options) {}

  /// Takes one key; returns whatever it completed, in order.
  std::vector<WedgeOutput> feed(const KeyEvent& key);
  /// Returns what is complete by `now_ms` with no further key: typed keys whose burst never
  /// came, a scan whose pause has passed.
  std::vector<WedgeOutput> poll(std::int64_t now_ms);
  /// When poll() next has something to give, if keys are held.
  std::optional<std::int64_t> next_deadline() const;
  /// Everything held, as it stands (a screen closing: keys go out as typed, a long burst as a scan).
  std::vector<WedgeOutput> flush();

 private:
  bool is_long_burst() const { return pending_.size() >= options_.min_length; }
  void release(std::vector<WedgeOutput>& out, std::optional<std::int64_t> enter_ms);

  WedgeOptions options_;
  std::vector<KeyEvent> pending_;  ///< keys of the current burst, not yet judged
};

}  // namespace cate

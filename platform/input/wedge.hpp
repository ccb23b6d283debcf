#pragma once
/// @brief Tells a keyboard-wedge barcode scanner from a person typing: a scanner "types" a whole
/// code in a burst of keys far faster than anyone can, ending in Enter (or in silence, for
/// scanners set to send no suffix). Pure logic on key times: no SDL, no devices. The kiosk's
/// keyboard code (kiosk/app) keeps a code's key count and first and last key times and asks here.
#include <cstdint>

namespace cate {

/// Scanners send a key every few ms (at most ~20-30 ms on slow settings); even a fast typist
/// leaves 80-150 ms between keys. A burst's keys are this far apart at most on average.
inline constexpr std::uint32_t kWedgeKeyGapMs = 35;
/// Shorter bursts are typing (a few keys pressed together), not a scan.
inline constexpr int kWedgeMinKeys = 8;
/// Silence after a scanner's burst with no Enter: the code is whole (a scanner set to send no
/// suffix). A person typing is never that fast, so their keys never end this way.
inline constexpr std::int64_t kWedgeEndPauseMs = 120;

/// The rule: `keys` keys, the first at `first_key_ms` and the last at `last_key_ms` (the input
/// system's millisecond clock, which may wrap), came from a scanner: enough of them, on average
/// no further apart than kWedgeKeyGapMs.
inline bool is_scanner_burst(int keys, std::uint32_t first_key_ms, std::uint32_t last_key_ms) {
  const std::uint32_t span = last_key_ms - first_key_ms;  // unsigned: right across a wrap
  return keys >= kWedgeMinKeys && span <= kWedgeKeyGapMs * static_cast<std::uint32_t>(keys - 1);
}

}  // namespace cate

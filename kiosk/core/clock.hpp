#pragma once
/// @brief The kiosk's clock: whether it can be trusted (clock_trust), a date and time as staff
/// set it on the touch screen (LocalDateTime, step_clock_field), and the words of the request
/// the device's system service takes to set it (clock_request_text, parse_clock_answer).
///
/// A Raspberry Pi has no battery clock. With no network at boot its clock starts from the last
/// time the device saved (or the day its image was made), and ticket windows and check-in times
/// are judged by it. The kiosk cannot set the clock itself (its service may not): staff set the
/// date and time on the "Date and time" screen and the kiosk hands the request to a root-only
/// system service (image/README.md, "Setting the clock").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cate {

/// How far the kiosk's clock can be trusted.
enum class ClockTrust {
  Network,    ///< network time set it (NTP): nothing to do
  Unchecked,  ///< no network time since the device started; nothing shows it is wrong
  Behind,     ///< provably wrong: the store holds records written later than "now"
};

/// Records may be this far ahead of the clock before it counts as behind (a clock corrected
/// by a few seconds by network time, a record written while it was being set).
inline constexpr std::int64_t kClockBehindMarginMs = 10LL * 60 * 1000;

/// The rule: `network_synced` wins; otherwise the clock is Behind when the latest record the
/// store holds (`latest_record_ms`, 0 for none) is more than kClockBehindMarginMs after `now_ms`.
ClockTrust clock_trust(std::int64_t now_ms, bool network_synced, std::int64_t latest_record_ms);

/// The earliest and latest year staff may set (the image's floor is checked by the system too).
inline constexpr int kClockFirstYear = 2026;
inline constexpr int kClockLastYear = 2099;

/// A date and time on the device's local clock (its time zone), minute by minute.
struct LocalDateTime {
  int year = kClockFirstYear;
  int month = 1;  ///< 1..12
  int day = 1;    ///< 1..days_in_month
  int hour = 0;   ///< 0..23
  int minute = 0; ///< 0..59
  bool operator==(const LocalDateTime&) const = default;
};

/// The part of a LocalDateTime one pair of − and + keys changes.
enum class ClockField { Year, Month, Day, Hour, Minute };

int days_in_month(int year, int month);

/// `t` with `field` moved by `delta`: months, days, hours and minutes go round (31 → 1, 23 → 0)
/// without carrying into the next field; years stop at kClockFirstYear and kClockLastYear. The
/// day is kept within its month (31 January, month + 1: 28 or 29 February).
LocalDateTime step_clock_field(LocalDateTime t, ClockField field, int delta);

/// `unix_s` on the local clock, seconds dropped; the year kept within the settable years.
LocalDateTime local_date_time(std::int64_t unix_s);
/// The Unix time of `t` on the local clock (a time skipped by a daylight-saving change is taken
/// as the time after it); nullopt when `t` is not a date (30 February).
std::optional<std::int64_t> unix_seconds(const LocalDateTime& t);

/// The request file's text: the wanted time as Unix seconds and a newline ("1795000000\n").
std::string clock_request_text(std::int64_t unix_s);

/// What the system service answered (its result file: "set N", "refused WHY" or "failed").
struct ClockAnswer {
  enum class Kind {
    Set,          ///< the clock was set to `unix_s`
    Network,      ///< refused: network time is in use
    TooEarly,     ///< refused: before the device's software was made
    TooLate,      ///< refused: after 2100
    Unreadable,   ///< refused: the request was not a time
    Failed,       ///< the system tried and could not set the clock
    Garbled,      ///< the answer itself is not one the kiosk knows
  } kind = Kind::Garbled;
  std::int64_t unix_s = 0;
};
ClockAnswer parse_clock_answer(std::string_view text);

}  // namespace cate

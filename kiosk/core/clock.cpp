#include "kiosk/core/clock.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace cate {

ClockTrust clock_trust(std::int64_t now_ms, bool network_synced, std::int64_t latest_record_ms) {
  if (network_synced) return ClockTrust::Network;
  if (latest_record_ms > 0 && latest_record_ms - now_ms > kClockBehindMarginMs) return ClockTrust::Behind;
  return ClockTrust::Unchecked;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

namespace {
// `value` moved by `delta` round the range first..first+count-1.
int go_round(int value, int delta, int first, int count) {
  const int offset = ((value - first + delta) % count + count) % count;
  return first + offset;
}
}  // namespace

LocalDateTime step_clock_field(LocalDateTime t, ClockField field, int delta) {
  switch (field) {
    case ClockField::Year: t.year = std::clamp(t.year + delta, kClockFirstYear, kClockLastYear); break;
    case ClockField::Month: t.month = go_round(t.month, delta, 1, 12); break;
    case ClockField::Day: t.day = go_round(t.day, delta, 1, days_in_month(t.year, t.month)); break;
    case ClockField::Hour: t.hour = go_round(t.hour, delta, 0, 24); break;
    case ClockField::Minute: t.minute = go_round(t.minute, delta, 0, 60); break;
  }
  t.day = std::clamp(t.day, 1, days_in_month(t.year, t.month));
  return t;
}

LocalDateTime local_date_time(std::int64_t unix_s) {
  const std::time_t at = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&at, &tm);
  LocalDateTime t{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min};
  if (t.year < kClockFirstYear || t.year > kClockLastYear) {
    t.year = std::clamp(t.year, kClockFirstYear, kClockLastYear);
    t.day = std::min(t.day, days_in_month(t.year, t.month));
  }
  return t;
}

std::optional<std::int64_t> unix_seconds(const LocalDateTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month) || t.hour < 0 ||
      t.hour > 23 || t.minute < 0 || t.minute > 59)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_isdst = -1;  // the zone's rule for that day decides
  const std::time_t at = std::mktime(&tm);
  if (at == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(at);
}

std::string clock_request_text(std::int64_t unix_s) { return std::to_string(unix_s) + "\n"; }

ClockAnswer parse_clock_answer(std::string_view text) {
  ClockAnswer a;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.starts_with("set ")) {
    const std::string_view n = text.substr(4);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
    if (ec == std::errc() && end == n.data() + n.size() && !n.empty() && v > 0) {
      a.kind = ClockAnswer::Kind::Set;
      a.unix_s = v;
    }
    return a;
  }
  if (text == "refused network") a.kind = ClockAnswer::Kind::Network;
  else if (text == "refused too-early") a.kind = ClockAnswer::Kind::TooEarly;
  else if (text == "refused too-late") a.kind = ClockAnswer::Kind::TooLate;
  else if (text == "refused unreadable") a.kind = ClockAnswer::Kind::Unreadable;
  else if (text == "failed") a.kind = ClockAnswer::Kind::Failed;
  return a;
}

}  // namespace cate

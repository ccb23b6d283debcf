// The kiosk's clock: clock_trust, the date and time staff set (kiosk/core/clock.hpp), the store's
// latest record (Store::latest_record_ms) and the request handed to the system
// (platform/systemd/clock_service.hpp), on real files.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "kiosk/core/clock.hpp"
#include "kiosk_fixture.hpp"
#include "platform/systemd/clock_service.hpp"

using namespace cate;
using namespace cate::test;

namespace {

/// Runs with TZ set to `zone` (the kiosk's zone: the office is in St. Louis), then puts it back.
struct Zone {
  std::string before;
  bool had = false;
  explicit Zone(const char* zone) {
    if (const char* tz = std::getenv("TZ")) before = tz, had = true;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~Zone() {
    if (had) setenv("TZ", before.c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("network time wins; a clock before the store's latest record is behind, past a margin") {
  const std::int64_t now = 1'800'000'000'000;
  CHECK(clock_trust(now, true, now + 86'400'000) == ClockTrust::Network);
  CHECK(clock_trust(now, false, 0) == ClockTrust::Unchecked);                 // nothing recorded yet
  CHECK(clock_trust(now, false, now - 86'400'000) == ClockTrust::Unchecked);  // records from yesterday
  CHECK(clock_trust(now, false, now + kClockBehindMarginMs) == ClockTrust::Unchecked);
  CHECK(clock_trust(now, false, now + kClockBehindMarginMs + 1) == ClockTrust::Behind);
  CHECK(clock_trust(now, false, now + 3 * 86'400'000LL) == ClockTrust::Behind);
}

TEST_CASE("months have their days, leap years too") {
  CHECK(days_in_month(2027, 1) == 31);
  CHECK(days_in_month(2027, 2) == 28);
  CHECK(days_in_month(2028, 2) == 29);
  CHECK(days_in_month(2100, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(2027, 4) == 30);
  CHECK(days_in_month(2027, 13) == 0);
}

TEST_CASE("each key moves its own field round, and the day stays in its month") {
  const LocalDateTime t{2027, 1, 31, 23, 59};
  CHECK(step_clock_field(t, ClockField::Minute, +1) == LocalDateTime{2027, 1, 31, 23, 0});  // no carry
  CHECK(step_clock_field(t, ClockField::Hour, +1) == LocalDateTime{2027, 1, 31, 0, 59});
  CHECK(step_clock_field(t, ClockField::Day, +1) == LocalDateTime{2027, 1, 1, 23, 59});
  CHECK(step_clock_field(t, ClockField::Month, +1) == LocalDateTime{2027, 2, 28, 23, 59});  // 31 Feb: 28
  CHECK(step_clock_field(t, ClockField::Month, -1) == LocalDateTime{2027, 12, 31, 23, 59});
  CHECK(step_clock_field({2028, 2, 29, 0, 0}, ClockField::Year, +1) == LocalDateTime{2029, 2, 28, 0, 0});
  CHECK(step_clock_field({2027, 3, 1, 0, 0}, ClockField::Day, -1) == LocalDateTime{2027, 3, 31, 0, 0});
  CHECK(step_clock_field({2027, 3, 1, 0, 0}, ClockField::Minute, -1) == LocalDateTime{2027, 3, 1, 0, 59});
  // Years stop at the ends instead of going round.
  CHECK(step_clock_field({kClockFirstYear, 5, 5, 5, 5}, ClockField::Year, -1).year == kClockFirstYear);
  CHECK(step_clock_field({kClockLastYear, 5, 5, 5, 5}, ClockField::Year, +1).year == kClockLastYear);
  // Held down, a key steps many times: never out of range.
  LocalDateTime held = t;
  for (int i = 0; i < 1000; ++i) held = step_clock_field(held, ClockField::Day, +1);
  CHECK(held.day >= 1);
  CHECK(held.day <= 31);
}

TEST_CASE("the keys' date and time is the local clock's, daylight saving included") {
  Zone chicago("America/Chicago");
  // 2027-07-04 12:30 in St. Louis (CDT, UTC-5) is 17:30 UTC.
  const auto july = unix_seconds({2027, 7, 4, 12, 30});
  REQUIRE(july.has_value());
  CHECK(*july == 1'814'722'200);
  // 2027-01-15 09:00 (CST, UTC-6) is 15:00 UTC.
  const auto january = unix_seconds({2027, 1, 15, 9, 0});
  REQUIRE(january.has_value());
  CHECK(*january == 1'800'025'200);
  CHECK(local_date_time(*july) == LocalDateTime{2027, 7, 4, 12, 30});
  CHECK(local_date_time(*january + 59) == LocalDateTime{2027, 1, 15, 9, 0});  // seconds dropped
  // 2027-03-14 02:30 does not exist there (clocks go 2:00 -> 3:00): a time near it, not an error.
  const auto skipped = unix_seconds({2027, 3, 14, 2, 30});
  REQUIRE(skipped.has_value());
  CHECK(*skipped >= *unix_seconds({2027, 3, 14, 1, 59}));
  CHECK(*skipped <= *unix_seconds({2027, 3, 14, 3, 30}));
  // Not a date.
  CHECK_FALSE(unix_seconds({2027, 2, 30, 0, 0}).has_value());
  CHECK_FALSE(unix_seconds({2027, 13, 1, 0, 0}).has_value());
  CHECK_FALSE(unix_seconds({2027, 1, 1, 24, 0}).has_value());
  // A clock from long ago or far ahead opens the keys within the settable years.
  CHECK(local_date_time(946'684'800).year == kClockFirstYear);   // 2000
  CHECK(local_date_time(5'000'000'000).year == kClockLastYear);  // 2128
}

TEST_CASE("the request is a line of digits; the system's answers are read strictly") {
  CHECK(clock_request_text(1'795'000'000) == "1795000000\n");
  auto set = parse_clock_answer("set 1795000000\n");
  CHECK(set.kind == ClockAnswer::Kind::Set);
  CHECK(set.unix_s == 1'795'000'000);
  CHECK(parse_clock_answer("refused network\n").kind == ClockAnswer::Kind::Network);
  CHECK(parse_clock_answer("refused too-early").kind == ClockAnswer::Kind::TooEarly);
  CHECK(parse_clock_answer("refused too-late\n").kind == ClockAnswer::Kind::TooLate);
  CHECK(parse_clock_answer("refused unreadable\n").kind == ClockAnswer::Kind::Unreadable);
  CHECK(parse_clock_answer("failed\n").kind == ClockAnswer::Kind::Failed);
  for (const std::string& garbled : {std::string(), std::string("set"), std::string("set "), std::string("set -5"),
                                    std::string("set 17x"), std::string("set 99999999999999999999999"),
                                    std::string("refused"), std::string("refused maybe"),
                                    std::string("set 🕒"), std::string(10'000, 'x'), std::string("SET 1795000000")})
    CHECK_MESSAGE(parse_clock_answer(garbled).kind == ClockAnswer::Kind::Garbled, garbled.substr(0, 40));
}

TEST_CASE("the store's latest record: imports, check-ins, refused scans, the office's bundles") {
  KioskFixture k;
  const std::int64_t imported = KioskFixture::kNow * 1000;  // the signing key learnt then
  CHECK(k.store->latest_record_ms() == imported);
  REQUIRE(k.scan(k.code_for(k.rsvps[0]), KioskFixture::kNow + 600).outcome == ScanOutcome::CheckedIn);
  CHECK(k.store->latest_record_ms() == (KioskFixture::kNow + 600) * 1000);
  REQUIRE(k.scan("not a ticket", KioskFixture::kNow + 900).outcome == ScanOutcome::Unreadable);
  CHECK(k.store->latest_record_ms() == (KioskFixture::kNow + 900) * 1000);
  // A record from a clock that was behind does not move it back.
  REQUIRE(k.scan(k.code_for(k.rsvps[1]), KioskFixture::kNow - 86'400).outcome != ScanOutcome::NotSaved);
  CHECK(k.store->latest_record_ms() == (KioskFixture::kNow + 900) * 1000);
  // A bundle the office made (or a pull it answered) later than the kiosk's clock: its time counts.
  Bundle later;
  later.created_at = KioskFixture::kNow + 5 * 86'400;
  auto signed_later = read_bundle(write_bundle(later, k.key));
  REQUIRE(signed_later.ok());
  REQUIRE(k.store->import_bundle(*signed_later, false, KioskFixture::kNow * 1000).ok());
  CHECK(k.store->latest_record_ms() == (KioskFixture::kNow + 5 * 86'400) * 1000);
  CHECK(clock_trust(KioskFixture::kNow * 1000, false, k.store->latest_record_ms()) == ClockTrust::Behind);
  // An older bundle imported after it does not move it back.
  Bundle older;
  older.created_at = KioskFixture::kNow - 86'400;
  auto signed_older = read_bundle(write_bundle(older, k.key));
  REQUIRE(signed_older.ok());
  REQUIRE(k.store->import_bundle(*signed_older, false, KioskFixture::kNow * 1000).ok());
  CHECK(k.store->latest_record_ms() == (KioskFixture::kNow + 5 * 86'400) * 1000);
  // And a new store has nothing.
  TempDir empty("clock-empty");
  auto fresh = Store::open(empty.path + "/k.db");
  REQUIRE(fresh.ok());
  CHECK((*fresh)->latest_record_ms() == 0);
}

TEST_CASE("the request is handed over whole, the answer read back, and a missing folder said in words") {
  TempDir dir("clock-service");
  const std::string folder = dir.path + "/clock";
  systemd::ClockService service({folder, dir.path + "/synchronized", false});
  CHECK_FALSE(service.can_set());
  const std::string missing = service.request("1795000000\n");
  CHECK(missing.find("No such file or directory") != std::string::npos);
  CHECK(missing.find(folder) != std::string::npos);

  REQUIRE(mkdir(folder.c_str(), 0770) == 0);
  CHECK(service.can_set());
  write_file(folder + "/result", "set 1\n");  // the answer to an older request goes first
  CHECK(service.request(clock_request_text(1'795'000'000)).empty());
  CHECK(read_file(folder + "/request") == "1795000000\n");
  CHECK(access((folder + "/request.tmp").c_str(), F_OK) != 0);
  CHECK_FALSE(service.answer().has_value());
  write_file(folder + "/result", "set 1795000000\n");
  REQUIRE(service.answer().has_value());
  CHECK(*service.answer() == "set 1795000000\n");
  // An answer bigger than any the system writes is read only in part (then not understood).
  write_file(folder + "/result", std::string(100'000, '7'));
  REQUIRE(service.answer().has_value());
  CHECK(service.answer()->size() == 256);
  CHECK(parse_clock_answer(*service.answer()).kind == ClockAnswer::Kind::Garbled);
  // A result that is a link is not followed.
  REQUIRE(unlink((folder + "/result").c_str()) == 0);
  write_file(dir.path + "/elsewhere", "set 1795000000\n");
  REQUIRE(symlink((dir.path + "/elsewhere").c_str(), (folder + "/result").c_str()) == 0);
  CHECK_FALSE(service.answer().has_value());
}

TEST_CASE("network time is read from the time service's flag") {
  TempDir dir("clock-synced");
  systemd::ClockService service({dir.path, dir.path + "/synchronized", false});
  CHECK_FALSE(service.network_synced());
  write_file(dir.path + "/synchronized", "");
  CHECK(service.network_synced());
}

// Retention on the kiosk (Store::purge_personal_data) on a real SQLite store: names and
// e-mails go only once the server holds every check-in and the window has passed; counts stay.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "kiosk_fixture.hpp"

using namespace cate;
using namespace cate::test;

namespace {
constexpr std::int64_t kDay = 86400;

bool file_contains(const std::string& path, std::string_view needle) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("kiosk retention: a roster is purged after the server acknowledged it plus the window, counts survive") {
  KioskFixture f;
  CHECK(f.store->retention_days() == kDefaultRetentionDays);
  REQUIRE(f.scan(f.code_for(f.rsvps[0])).outcome == ScanOutcome::CheckedIn);
  auto before = f.store->counts(f.meeting.id);
  REQUIRE(before.ok());
  const std::int64_t ended_s = f.meeting.ends_at;

  // Within the window: nothing.
  auto p = f.store->purge_personal_data((ended_s + 3 * kDay) * 1000);
  REQUIRE(p.ok());
  CHECK(p->rsvps == 0);
  CHECK(p->waiting == 0);

  // Past the window, but the check-in has not reached the server: kept.
  p = f.store->purge_personal_data((ended_s + 8 * kDay) * 1000);
  REQUIRE(p.ok());
  CHECK(p->rsvps == 0);
  CHECK(p->waiting == 1);
  CHECK(f.store->rsvp(f.rsvps[1].id)->first_name == "Person1");

  // The server acknowledged it: the roster's names and e-mails go, nothing else.
  auto rows = f.store->outbox_batch(100, 0);
  REQUIRE(rows.ok());
  std::vector<std::string> ids;
  for (const auto& r : *rows) ids.push_back(r.record_id);
  REQUIRE(f.store->outbox_remove(ids).ok());
  p = f.store->purge_personal_data((ended_s + 8 * kDay) * 1000);
  REQUIRE(p.ok());
  CHECK(p->meetings == 1);
  CHECK(p->rsvps == static_cast<std::int64_t>(f.rsvps.size()) + 1);
  for (const auto& r : f.rsvps) {
    auto after = f.store->rsvp(r.id);
    REQUIRE(after);
    CHECK(after->first_name.empty());
    CHECK(after->last_name.empty());
    CHECK(after->email.empty());
  }
  auto counts = f.store->counts(f.meeting.id);
  REQUIRE(counts.ok());
  CHECK(counts->rsvps == before->rsvps);
  CHECK(counts->checked_in == before->checked_in);
  CHECK(counts->refused_scans == before->refused_scans);
  CHECK(f.store->check_ins(f.meeting.id).size() == 1);
  // Gone from the file too, not only from the table.
  CHECK_FALSE(file_contains(f.path(), "Person3"));
  CHECK_FALSE(file_contains(f.path() + "-wal", "Person3"));

  // Done once: a second purge has nothing left to do.
  p = f.store->purge_personal_data((ended_s + 9 * kDay) * 1000);
  REQUIRE(p.ok());
  CHECK(p->rsvps == 0);
}

TEST_CASE("kiosk retention: the window is a setting, and a meeting not yet over keeps its roster") {
  KioskFixture f;
  REQUIRE(f.store->set_setting("retention_days", "2").ok());
  CHECK(f.store->retention_days() == 2);
  auto p = f.store->purge_personal_data((f.meeting.ends_at + 3 * kDay) * 1000);
  REQUIRE(p.ok());
  CHECK(p->meetings == 1);
  CHECK(f.store->rsvp(f.rsvps[0].id)->first_name.empty());
  REQUIRE(f.store->set_setting("retention_days", "not a number").ok());
  CHECK(f.store->retention_days() == kDefaultRetentionDays);

  KioskFixture g;
  REQUIRE(g.store->set_setting("retention_days", "0").ok());
  p = g.store->purge_personal_data((g.meeting.ends_at - 60) * 1000);  // still running
  REQUIRE(p.ok());
  CHECK(p->rsvps == 0);
  CHECK(g.store->rsvp(g.rsvps[0].id)->first_name == "Person0");
}

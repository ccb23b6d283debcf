// Check-in: the rules, and the store that records them, on a real SQLite file.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <set>
#include <thread>

#include "kiosk/core/check_in_rules.hpp"
#include "kiosk/core/messages.hpp"
#include "kiosk/core/store_service.hpp"
#include "kiosk_fixture.hpp"

using namespace cate;
using cate::test::KioskFixture;

namespace {
std::int64_t count_rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}
}  // namespace

TEST_CASE("the check-in rules, in their order") {
  Ticket t{1, MeetingId{1}, RsvpId{2}, 1, 1000, 2000};
  CheckInFacts f{MeetingId{1}, false, false, 1500};
  CHECK(decide_check_in(t, f) == ScanOutcome::CheckedIn);
  CHECK(decide_check_in(t, {std::nullopt, false, false, 1500}) == ScanOutcome::NoActiveMeeting);
  CHECK(decide_check_in(t, {MeetingId{9}, true, true, 5000}) == ScanOutcome::OtherMeeting);
  CHECK(decide_check_in(t, {MeetingId{1}, true, true, 1500}) == ScanOutcome::Revoked);
  CHECK(decide_check_in(t, {MeetingId{1}, false, true, 5000}) == ScanOutcome::AlreadyCheckedIn);
  CHECK(decide_check_in(t, {MeetingId{1}, false, false, 999}) == ScanOutcome::NotYetValid);
  CHECK(decide_check_in(t, {MeetingId{1}, false, false, 1000}) == ScanOutcome::CheckedIn);
  CHECK(decide_check_in(t, {MeetingId{1}, false, false, 2000}) == ScanOutcome::CheckedIn);
  CHECK(decide_check_in(t, {MeetingId{1}, false, false, 2001}) == ScanOutcome::Expired);
}

TEST_CASE("a scan checks in once; a second scan says when, and records no second check-in") {
  KioskFixture k;
  std::string code = k.code_for(k.rsvps[0]);
  ScanResult first = k.scan(code);
  CHECK(first.outcome == ScanOutcome::CheckedIn);
  CHECK(first.first_name == "Person0");
  REQUIRE(first.check_in_id.has_value());
  CHECK(first.checked_in_at_ms == KioskFixture::kNow * 1000);

  ScanResult again = k.scan(code, KioskFixture::kNow + 600);
  CHECK(again.outcome == ScanOutcome::AlreadyCheckedIn);
  CHECK(again.checked_in_at_ms == KioskFixture::kNow * 1000);
  CHECK(again.check_in_id == first.check_in_id);
  CHECK(count_rows(k.path(), "SELECT count(*) FROM check_in") == 1);
  CHECK(count_rows(k.path(), "SELECT count(*) FROM outbox WHERE kind = 'check_in'") == 1);
  CHECK(count_rows(k.path(), "SELECT count(*) FROM refused_scan WHERE outcome = 'already_checked_in'") == 1);
}

TEST_CASE("each wrong ticket gets its own outcome and nobody is checked in") {
  KioskFixture k;
  const auto now = KioskFixture::kNow;
  Rsvp& p = k.rsvps[1];

  Ticket other = k.ticket_for(p, k.other);
  ScanResult r = k.scan(issue_ticket(other, k.key));
  CHECK(r.outcome == ScanOutcome::OtherMeeting);
  REQUIRE(r.other_meeting.has_value());
  CHECK(r.other_meeting->name == "Regional workshop");

  Ticket unknown_meeting = k.ticket_for(p, k.meeting);
  unknown_meeting.meeting = MeetingId::random();
  r = k.scan(issue_ticket(unknown_meeting, k.key));
  CHECK(r.outcome == ScanOutcome::OtherMeeting);
  CHECK_FALSE(r.other_meeting.has_value());

  Ticket early = k.ticket_for(p, k.meeting);
  early.not_before = now + 60;
  CHECK(k.scan(issue_ticket(early, k.key)).outcome == ScanOutcome::NotYetValid);
  Ticket late = k.ticket_for(p, k.meeting);
  late.not_after = now - 1;
  CHECK(k.scan(issue_ticket(late, k.key)).outcome == ScanOutcome::Expired);
  CHECK(k.scan(k.code_for(k.revoked)).outcome == ScanOutcome::Revoked);
  CHECK(k.scan(issue_ticket(k.ticket_for(p, k.meeting), SecretKey::generate())).outcome == ScanOutcome::UnknownKey);
  std::string forged = k.code_for(p);
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  CHECK(k.scan(forged).outcome == ScanOutcome::Forged);
  CHECK(k.scan("hello").outcome == ScanOutcome::Unreadable);
  CHECK(k.scan("").outcome == ScanOutcome::Unreadable);
  CHECK(k.scan(std::string(10 * 1024, 'X')).outcome == ScanOutcome::Unreadable);

  CHECK(count_rows(k.path(), "SELECT count(*) FROM check_in") == 0);
  CHECK(count_rows(k.path(), "SELECT count(*) FROM refused_scan") == 10);
  auto c = k.store->counts(k.meeting.id);
  REQUIRE(c.ok());
  CHECK(c->checked_in == 0);
  CHECK(c->refused_scans == 10);
  CHECK(c->rsvps == 6);
}

TEST_CASE("a kiosk with no active meeting refuses politely") {
  cate::test::TempDir dir("noactive");
  auto s = Store::open(dir.path + "/k.db");
  REQUIRE(s.ok());
  auto r = check_in_code(**s, "CATE1-XYZ", {0, CheckInMethod::Typed});
  CHECK(r.outcome == ScanOutcome::Unreadable);
  KioskFixture k;
  REQUIRE(k.store->import_bundle(*read_bundle(write_bundle(Bundle{}, k.key)), false, 0).ok());
  Bundle b;
  b.keys = {k.key.public_key()};
  REQUIRE((*s)->import_bundle(*read_bundle(write_bundle(b, k.key)), false, 0).ok());
  CHECK(check_in_code(**s, k.code_for(k.rsvps[0]), {KioskFixture::kNow * 1000, CheckInMethod::Typed}).outcome ==
        ScanOutcome::NoActiveMeeting);
}

TEST_CASE("the store persists across reopen, and only one process owns it") {
  KioskFixture k;
  std::string code = k.code_for(k.rsvps[2]);
  REQUIRE(k.scan(code).outcome == ScanOutcome::CheckedIn);

  auto second = Store::open(k.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == StoreError::Kind::InUse);

  k.store.reset();
  auto reopened = Store::open(k.path());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->schema_version() == current_store_schema_version());
  CHECK((*reopened)->integrity_check() == "ok");
  CHECK((*reopened)->active_meeting() == k.meeting.id);
  CHECK((*reopened)->key_ring().size() == 1);
  auto r = check_in_code(**reopened, code, {(KioskFixture::kNow + 5) * 1000, CheckInMethod::Camera});
  CHECK(r.outcome == ScanOutcome::AlreadyCheckedIn);
  CHECK((*reopened)->check_ins(k.meeting.id).size() == 1);
}

TEST_CASE("a file that is not a store, and a store from a newer version, get clear errors") {
  cate::test::TempDir dir("notastore");
  {
    std::ofstream f(dir.path + "/junk.db", std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto s = Store::open(dir.path + "/junk.db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("not a kiosk store") != std::string::npos);

  {
    auto fresh = Store::open(dir.path + "/new.db");
    REQUIRE(fresh.ok());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path + "/new.db").c_str(), &db) == SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto newer = Store::open(dir.path + "/new.db");
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().kind == StoreError::Kind::TooNew);

  auto nowhere = Store::open(dir.path + "/no/such/folder/k.db");
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.error().kind == StoreError::Kind::CannotOpen);
}

TEST_CASE("a bundle from another office is refused unless staff say to trust it") {
  KioskFixture k;
  SecretKey stranger = SecretKey::generate();
  Bundle b;
  b.meetings = {Meeting{MeetingId::random(), "Elsewhere", 0, 1}};
  auto sb = read_bundle(write_bundle(b, stranger));
  REQUIRE(sb.ok());
  auto refused = k.store->import_bundle(*sb, false, 0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("--trust-new-office") != std::string::npos);
  CHECK(k.store->key_ring().size() == 1);
  CHECK(k.store->import_bundle(*sb, true, 0).ok());
  CHECK(k.store->key_ring().size() == 2);
}

TEST_CASE("a newer bundle replaces the roster: cancelled RSVPs go, check-ins stay") {
  KioskFixture k;
  REQUIRE(k.scan(k.code_for(k.rsvps[0])).outcome == ScanOutcome::CheckedIn);
  Bundle b;
  b.meetings = {k.meeting};
  b.rsvps = {k.rsvps[1]};
  auto sum = k.store->import_bundle(*read_bundle(write_bundle(b, k.key)), false, 0);
  REQUIRE(sum.ok());
  CHECK_FALSE(k.store->rsvp(k.rsvps[0].id).has_value());
  CHECK(k.store->rsvp(k.rsvps[1].id).has_value());
  CHECK(k.store->check_ins(k.meeting.id).size() == 1);
  // The ticket is still good: signed and not revoked. Its holder is let in, without a name.
  CHECK(k.scan(k.code_for(k.rsvps[0])).outcome == ScanOutcome::AlreadyCheckedIn);
}

TEST_CASE("many threads ask the store owner at once; every check-in is recorded once") {
  KioskFixture k(40);
  std::vector<std::string> codes;
  for (const auto& r : k.rsvps) codes.push_back(k.code_for(r));
  k.store.reset();
  auto service = StoreService::start(k.path());
  REQUIRE(service.ok());
  std::atomic<int> welcomed{0}, already{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < codes.size(); ++i) {
        const std::string& code = codes[(i + static_cast<std::size_t>(t) * 7) % codes.size()];
        auto f = (*service)->ask([&](Store& s) {
          return check_in_code(s, code, {KioskFixture::kNow * 1000, CheckInMethod::Camera}).outcome;
        });
        auto o = f.get();
        if (o == ScanOutcome::CheckedIn) ++welcomed;
        else if (o == ScanOutcome::AlreadyCheckedIn) ++already;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(welcomed == 40);
  CHECK(already == 3 * 40);
  auto n = (*service)->ask([&](Store& s) { return s.check_ins(k.meeting.id).size(); }).get();
  CHECK(n == 40);
}

TEST_CASE("every outcome has a plain message in English and Spanish") {
  for (auto lang : kAllLanguages) {
    for (auto o : kAllScanOutcomes) {
      ScanResult r;
      r.outcome = o;
      r.first_name = "Ana";
      r.checked_in_at_ms = 1'800'000'000'000;
      r.ticket = Ticket{0, MeetingId{1}, RsvpId{2}, 1, 1'800'000'000, 1'800'086'400};
      r.other_meeting = Meeting{MeetingId{3}, "Regional workshop", 1'800'000'000, 1'800'007'200};
      Message m = message_for(r, lang);
      CAPTURE(outcome_code(o));
      CAPTURE(language_code(lang));
      CHECK_FALSE(m.title.empty());
      CHECK_FALSE(m.body.empty());
      CHECK_FALSE(m.next_step.empty());
      for (const std::string* s : {&m.title, &m.body, &m.next_step}) {
        CHECK(s->find("outcome.") == std::string::npos);  // never a bare key
        CHECK(s->find('{') == std::string::npos);         // never an unfilled placeholder
        CHECK(s->find("undefined") == std::string::npos);
      }
    }
  }
  ScanResult ok;
  ok.outcome = ScanOutcome::CheckedIn;
  ok.first_name = "Ana";
  CHECK(message_for(ok, Language::English).title == "Welcome, Ana!");
  CHECK(message_for(ok, Language::Spanish).title.find("Ana") != std::string::npos);
  CHECK(message_for(ok, Language::English, false).title == "Welcome!");
}

TEST_CASE("both languages have the same texts") {
  auto en = Catalog::of(Language::English).keys();
  auto es = Catalog::of(Language::Spanish).keys();
  CHECK(en.size() > 30);
  CHECK(std::set<std::string>(en.begin(), en.end()) == std::set<std::string>(es.begin(), es.end()));
}

TEST_CASE("device-made IDs are UUIDv7, unique, and sort by time") {
  std::set<std::string> seen;
  Uuid prev = Uuid::v7(1000);
  for (int i = 0; i < 1000; ++i) {
    Uuid u = Uuid::v7(1001 + i);
    CHECK(seen.insert(u.str()).second);
    CHECK(u.str()[14] == '7');
    CHECK(prev.str() < u.str());
    CHECK(Uuid::parse(u.str()) == u);
    prev = u;
  }
  CHECK_FALSE(Uuid::parse("not-a-uuid"));
}

// Staff PIN (Argon2id hash, growing wait kept across restarts) and roster search, on a real store.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>

#include "kiosk/core/check_in_rules.hpp"
#include "kiosk/core/staff_pin.hpp"
#include "kiosk_fixture.hpp"

using namespace cate;
using cate::test::KioskFixture;

namespace {

std::int64_t sql_i64(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

Rsvp person(const KioskFixture& f, const std::string& first, const std::string& last, const std::string& email) {
  return Rsvp{RsvpId::random(), f.meeting.id, first, last, email};
}

/// A fixture whose roster has real-looking names with accents.
struct RosterFixture : KioskFixture {
  Rsvp ana, jose, dana, nguyen;
  RosterFixture() : KioskFixture(0) {
    ana = person(*this, "Ana", "García", "ana.garcia@example.org");
    jose = person(*this, "José", "Muñoz", "");
    dana = person(*this, "Dana", "O'Connor", "dana.oconnor@example.org");
    nguyen = person(*this, "Nguyễn", "Thị Lan", "lan.nguyen@example.org");
    Bundle b;
    b.created_at = kNow + 1;
    b.meetings = {meeting, other};
    b.rsvps = {ana, jose, dana, nguyen};
    b.active_meeting = meeting.id;
    auto sb = read_bundle(write_bundle(b, key));
    REQUIRE(sb.ok());
    REQUIRE(store->import_bundle(*sb, false, kNow * 1000).ok());
  }
};

}  // namespace

TEST_CASE("staff PIN: Argon2id hash, never the PIN itself") {
  const std::string h = hash_staff_pin("2468");
  CHECK(h.rfind("$argon2id$", 0) == 0);
  CHECK(h.find("2468") == std::string::npos);
  CHECK(staff_pin_matches(h, "2468"));
  CHECK_FALSE(staff_pin_matches(h, "2469"));
  CHECK_FALSE(staff_pin_matches(h, ""));
  CHECK(hash_staff_pin("2468") != h);  // salted
  CHECK(is_valid_staff_pin("2468"));
  CHECK_FALSE(is_valid_staff_pin("246"));
  CHECK_FALSE(is_valid_staff_pin("24a8"));
  CHECK_FALSE(is_valid_staff_pin("1234567890123"));
}

TEST_CASE("staff PIN rule: 4 to 12 digits, not one digit repeated, not a run up or down") {
  for (const char* good : {"2468", "1357", "1235", "9870", "0112", "1212", "13579", "123456789013", "0001"})
    CHECK_MESSAGE(staff_pin_acceptable(good), good);
  CHECK(staff_pin_problem("") == StaffPinProblem::TooShort);
  CHECK(staff_pin_problem("246") == StaffPinProblem::TooShort);
  CHECK(staff_pin_problem("1234567890135") == StaffPinProblem::TooLong);
  CHECK(staff_pin_problem("24a8") == StaffPinProblem::NotDigits);
  CHECK(staff_pin_problem("2468 ") == StaffPinProblem::NotDigits);
  CHECK(staff_pin_problem("１２３４") == StaffPinProblem::NotDigits);  // full-width digits are not 0-9
  for (const char* same : {"1111", "0000", "999999999999"})
    CHECK_MESSAGE(staff_pin_problem(same) == StaffPinProblem::AllSame, same);
  for (const char* run : {"1234", "0123", "4321", "98765", "7890", "8901", "1098", "3210987", "123456789012"})
    CHECK_MESSAGE(staff_pin_problem(run) == StaffPinProblem::Run, run);
  CHECK(std::string(staff_pin_problem_words(StaffPinProblem::Run)).find("1234") != std::string::npos);

  // Every PIN set goes through the rule, with its words; nothing is written when it is refused.
  KioskFixture f;
  auto r = set_staff_pin(*f.store, "1234");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == staff_pin_problem_words(StaffPinProblem::Run));
  CHECK_FALSE(set_staff_pin(*f.store, "5555").ok());
  CHECK_FALSE(has_staff_pin(*f.store));
  CHECK(set_staff_pin(*f.store, "1357").ok());
  CHECK(has_staff_pin(*f.store));
}

TEST_CASE("staff PIN: the wait doubles after each wrong try and is capped") {
  CHECK(staff_pin_wait_ms(0) == 0);
  CHECK(staff_pin_wait_ms(1) == 1000);
  CHECK(staff_pin_wait_ms(2) == 2000);
  CHECK(staff_pin_wait_ms(4) == 8000);
  CHECK(staff_pin_wait_ms(30) == kStaffPinMaxWaitMs);
  CHECK(staff_pin_wait_ms(1000) == kStaffPinMaxWaitMs);
}

TEST_CASE("staff PIN on a real store: wrong tries wait, the wait survives a restart, right PIN clears it") {
  KioskFixture f;
  const std::int64_t t = KioskFixture::kNow * 1000;
  CHECK(check_staff_pin(*f.store, "2468", t).kind == StaffPinCheck::Kind::NoPin);
  CHECK_FALSE(set_staff_pin(*f.store, "12").ok());
  REQUIRE(set_staff_pin(*f.store, "2468").ok());
  CHECK(f.store->setting("staff_pin_hash")->find("2468") == std::string::npos);

  auto c = check_staff_pin(*f.store, "1111", t);
  CHECK(c.kind == StaffPinCheck::Kind::Wrong);
  CHECK(c.retry_at_ms == t + 1000);
  // Even the right PIN is not looked at during the wait.
  CHECK(check_staff_pin(*f.store, "2468", t + 500).kind == StaffPinCheck::Kind::Wait);
  c = check_staff_pin(*f.store, "1111", t + 1000);
  CHECK(c.kind == StaffPinCheck::Kind::Wrong);
  CHECK(c.failures == 2);
  CHECK(c.retry_at_ms == t + 1000 + 2000);

  // A restart keeps the count and the wait.
  f.store.reset();
  auto reopened = Store::open(f.path());
  REQUIRE(reopened.ok());
  f.store = std::move(reopened.value());
  CHECK(staff_pin_retry_at(*f.store, t + 1500) == t + 3000);
  CHECK(check_staff_pin(*f.store, "2468", t + 2999).kind == StaffPinCheck::Kind::Wait);
  c = check_staff_pin(*f.store, "0000", t + 3000);
  CHECK(c.failures == 3);
  CHECK(c.retry_at_ms == t + 3000 + 4000);

  c = check_staff_pin(*f.store, "2468", t + 7000);
  CHECK(c.kind == StaffPinCheck::Kind::Accepted);
  CHECK(staff_pin_retry_at(*f.store, t + 7000) == 0);
  CHECK(check_staff_pin(*f.store, "9999", t + 8000).retry_at_ms == t + 9000);  // counting starts again
}

TEST_CASE("fold_for_search: case and accents") {
  CHECK(fold_for_search("José MUÑOZ") == "jose munoz");
  CHECK(fold_for_search("  Ana   García ") == "ana garcia");
  CHECK(fold_for_search("O'Connor") == "o connor");
  CHECK(fold_for_search("Łukasz Straße") == "lukasz strasse");
  CHECK(fold_for_search("😀 Ana") == "😀 ana");
  CHECK(initial_of("García") == "G");
  CHECK(initial_of("ñañez") == "Ñ");
  CHECK(initial_of("") == "");
  CHECK(search_letter_count("a b") == 2);
  CHECK(search_letter_count("Jos") == 3);
  CHECK(search_letter_count("Jé ") == 2);
}

TEST_CASE("roster search on a real store: 3 letters, case- and accent-insensitive, first name and initial only") {
  RosterFixture f;
  auto labels = [&](std::string_view q) {
    std::vector<std::string> out;
    for (const auto& m : f.store->search_roster(f.meeting.id, q)) out.push_back(m.label());
    return out;
  };
  CHECK(labels("an").empty());        // under 3 letters: nothing
  CHECK(labels("a n").empty());
  CHECK(labels("ana") == std::vector<std::string>{"Ana G."});
  CHECK(labels("ANA GAR") == std::vector<std::string>{"Ana G."});
  CHECK(labels("jose") == std::vector<std::string>{"José M."});
  CHECK(labels("MUNOZ") == std::vector<std::string>{"José M."});
  CHECK(labels("muñ") == std::vector<std::string>{"José M."});
  CHECK(labels("connor") == std::vector<std::string>{"Dana O."});
  CHECK(labels("dana.oc") == std::vector<std::string>{"Dana O."});  // by e-mail
  CHECK(labels("lan.ng") == std::vector<std::string>{"Nguyễn T."});
  CHECK(labels("Nguyễn") == std::vector<std::string>{"Nguyễn T."});
  CHECK(labels("example.org").empty());  // the e-mail's start, not any part of it
  CHECK(labels("xyz").empty());
  // A match carries no e-mail and no full last name.
  for (const auto& m : f.store->search_roster(f.meeting.id, "ana")) {
    CHECK(m.label().find("García") == std::string::npos);
    CHECK(m.first_name == "Ana");
    CHECK(m.last_initial == "G");
  }
}

TEST_CASE("roster search: a 10 KB query, emoji and broken UTF-8 find nothing and do no harm") {
  RosterFixture f;
  const std::string big(10 * 1024, 'a');
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(f.store->search_roster(f.meeting.id, big).empty());
  CHECK(f.store->search_roster(f.meeting.id, "ana " + big).empty());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  CHECK(f.store->search_roster(f.meeting.id, "😀😀😀").empty());
  CHECK(f.store->search_roster(f.meeting.id, "\xff\xfe\xc3").empty());
  CHECK(f.store->search_roster(f.meeting.id, "ana'; DROP TABLE rsvp; --").empty());
  CHECK(f.store->search_roster(f.meeting.id, "ana").size() == 1);
}

TEST_CASE("roster search: at most 6 results, and never another meeting's roster") {
  KioskFixture f(20);  // Person0..Person19 Test
  CHECK(f.store->search_roster(f.meeting.id, "person").size() == kRosterSearchMaxResults);
  CHECK(f.store->search_roster(f.other.id, "person").empty());
}

TEST_CASE("check-in by name, then undo: counts, undone_at_ms and the outbox's undo record") {
  RosterFixture f;
  const std::int64_t t = KioskFixture::kNow * 1000;
  const auto before = f.store->outbox_size();
  auto w = f.store->check_in_rsvp(f.ana.id, CheckInMethod::Staff, t);
  REQUIRE(w.ok());
  CHECK(w->outcome == ScanOutcome::CheckedIn);
  REQUIRE(w->record);
  CHECK(f.store->counts(f.meeting.id)->checked_in == 1);
  CHECK(f.store->outbox_size() == before + 1);
  CHECK(f.store->search_roster(f.meeting.id, "ana")[0].check_in == w->record->id);

  auto again = f.store->check_in_rsvp(f.ana.id, CheckInMethod::Typed, t + 1);
  REQUIRE(again.ok());
  CHECK(again->outcome == ScanOutcome::AlreadyCheckedIn);
  CHECK(f.store->outbox_size() == before + 1);  // nothing recorded

  auto recent = f.store->recent_check_ins(f.meeting.id, 10);
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].label() == "Ana G.");
  CHECK(recent[0].method == "staff");

  auto u = f.store->undo_check_in(w->record->id, t + 2000);
  REQUIRE(u.ok());
  CHECK(*u);
  CHECK(f.store->counts(f.meeting.id)->checked_in == 0);
  CHECK(f.store->recent_check_ins(f.meeting.id, 10).empty());
  CHECK(sql_i64(f.path(), "SELECT undone_at_ms FROM check_in WHERE id = '" + w->record->id.str() + "'") == t + 2000);
  CHECK(sql_i64(f.path(), "SELECT count(*) FROM outbox WHERE kind = 'undo' AND json_extract(payload, '$.check_in') = '" +
                              w->record->id.str() + "'") == 1);
  auto twice = f.store->undo_check_in(w->record->id, t + 3000);
  REQUIRE(twice.ok());
  CHECK_FALSE(*twice);  // nothing left to undo, nothing queued
  CHECK(sql_i64(f.path(), "SELECT count(*) FROM outbox WHERE kind = 'undo'") == 1);

  // The person can be checked in again after an undo.
  auto back = f.store->check_in_rsvp(f.ana.id, CheckInMethod::Typed, t + 4000);
  REQUIRE(back.ok());
  CHECK(back->outcome == ScanOutcome::CheckedIn);
  // Another meeting's RSVP is not checked in here.
  Rsvp elsewhere{RsvpId::random(), f.other.id, "Eve", "Else", ""};
  auto no = f.store->check_in_rsvp(elsewhere.id, CheckInMethod::Staff, t);
  REQUIRE(no.ok());
  CHECK(no->outcome == ScanOutcome::OtherMeeting);
}

TEST_CASE("check-in without a ticket keeps the meeting's time and the office's revocations") {
  KioskFixture f;
  const std::int64_t early = (f.meeting.starts_at - kByNameMarginS - 60) * 1000;
  const std::int64_t late = (f.meeting.ends_at + kByNameMarginS + 60) * 1000;
  const auto before = f.store->outbox_size();
  // The person themself ("This is me"): only around the meeting's own time.
  CHECK(f.store->check_in_rsvp(f.rsvps[0].id, CheckInMethod::Typed, early)->outcome == ScanOutcome::NotYetValid);
  CHECK(f.store->check_in_rsvp(f.rsvps[0].id, CheckInMethod::Typed, late)->outcome == ScanOutcome::Expired);
  CHECK(f.store->outbox_size() == before);  // nothing recorded
  // Staff see the person and decide: outside the window is theirs to allow.
  CHECK(f.store->check_in_rsvp(f.rsvps[1].id, CheckInMethod::Staff, late)->outcome == ScanOutcome::CheckedIn);
  // A withdrawn ticket sends the person to staff, and staff cannot check them in by name either.
  const std::int64_t now = KioskFixture::kNow * 1000;
  CHECK(f.store->check_in_rsvp(f.revoked.id, CheckInMethod::Typed, now)->outcome == ScanOutcome::Revoked);
  CHECK(f.store->check_in_rsvp(f.revoked.id, CheckInMethod::Staff, now)->outcome == ScanOutcome::Revoked);
  CHECK(f.store->outbox_size() == before + 1);
  CHECK(f.store->counts(f.meeting.id)->checked_in == 1);
  // Within the window the person checks in.
  CHECK(f.store->check_in_rsvp(f.rsvps[0].id, CheckInMethod::Typed, now)->outcome == ScanOutcome::CheckedIn);
}

TEST_CASE("the by-name rule in order: meeting, revocation, already in, then the window") {
  const MeetingId m = MeetingId::random(), other = MeetingId::random();
  CheckInFacts f;
  f.now_s = 1000 * 3600;
  CHECK(decide_check_in_by_name(m, 0, 1, false, f) == ScanOutcome::NoActiveMeeting);
  f.active_meeting = m;
  CHECK(decide_check_in_by_name(other, f.now_s, f.now_s, false, f) == ScanOutcome::OtherMeeting);
  const std::int64_t far = f.now_s + kByNameMarginS + 1;
  CHECK(decide_check_in_by_name(m, far, far + 1, false, f) == ScanOutcome::NotYetValid);
  CHECK(decide_check_in_by_name(m, far, far + 1, true, f) == ScanOutcome::CheckedIn);
  f.already_checked_in = true;
  CHECK(decide_check_in_by_name(m, far, far + 1, false, f) == ScanOutcome::AlreadyCheckedIn);
  f.revoked = true;
  CHECK(decide_check_in_by_name(m, f.now_s, f.now_s, true, f) == ScanOutcome::Revoked);
}

// The Store's staff-mode and "Find my RSVP" work: roster search, check-in by name, undo.
// (The rest of the Store is in store.cpp; its schema notes say who writes each column.)
//
// [SECTION] SQLite helpers   the few this file needs; SQL errors become StoreError values
// [SECTION] Roster search
// [SECTION] Check-in by name, and undo
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "kiosk/core/store.hpp"

namespace cate {

// ---------------------------------------------------------------------------------------------
// [SECTION] SQLite helpers
// ---------------------------------------------------------------------------------------------
namespace {

struct SqlError {
  int code;
  std::string message;
};

StoreError to_error(const SqlError& e) {
  switch (e.code & 0xff) {
    case SQLITE_FULL:
      return {StoreError::Kind::DiskFull, "the kiosk's storage is full: nothing was recorded."};
    case SQLITE_READONLY:
      return {StoreError::Kind::ReadOnly, "the kiosk's storage is read-only: nothing was recorded."};
    default:
      return {StoreError::Kind::Database, "the kiosk's storage failed: " + e.message};
  }
}

class Query {
 public:
  Query(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail();
  }
  ~Query() { sqlite3_finalize(s_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(s_, i, v) != SQLITE_OK) fail();
    return *this;
  }
  Query& bind(int i, const std::string& v) {
    if (sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) fail();
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail();
    return false;
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }

 private:
  [[noreturn]] void fail() { throw SqlError{sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)}; }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

void run_sql(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    throw SqlError{sqlite3_extended_errcode(db), sqlite3_errmsg(db)};
}

/// BEGIN IMMEDIATE ... COMMIT (synchronous=FULL: on disk at commit), rolled back otherwise.
class WriteTransaction {
 public:
  explicit WriteTransaction(sqlite3* db) : db_(db) { run_sql(db, "BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit() {
    run_sql(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] Roster search
// ---------------------------------------------------------------------------------------------
std::vector<RosterMatch> Store::search_roster(MeetingId meeting, std::string_view query, std::size_t max) const {
  std::vector<RosterMatch> out;
  if (query.size() > kRosterSearchMaxQueryBytes || search_letter_count(query) < kRosterSearchMinLetters) return out;
  const std::string q = fold_for_search(query);
  try {
    // Rosters are hundreds of people: folding each name here is quicker than any index would pay back.
    Query r(db_, "SELECT r.id, r.first_name, r.last_name, r.email, c.id, c.at_ms FROM rsvp r "
                 "LEFT JOIN check_in c ON c.meeting_id = r.meeting_id AND c.rsvp_id = r.id AND c.undone_at_ms IS NULL "
                 "WHERE r.meeting_id = ? AND r.first_name <> '' ORDER BY r.first_name, r.last_name, r.id");
    r.bind(1, meeting.str());
    while (out.size() < max && r.step()) {
      const std::string first = r.text(1), last = r.text(2);
      if (!roster_matches(q, fold_for_search(first + " " + last), fold_for_search(r.text(3)))) continue;
      RosterMatch m{RsvpId::parse(r.text(0)).value_or(RsvpId{}), first, initial_of(last), std::nullopt, 0};
      if (!r.is_null(4)) {
        m.check_in = Uuid::parse(r.text(4));
        m.checked_in_at_ms = r.i64(5);
      }
      out.push_back(std::move(m));
    }
  } catch (const SqlError&) {
    out.clear();
  }
  return out;
}

std::vector<CheckInLine> Store::recent_check_ins(MeetingId meeting, std::size_t max) const {
  std::vector<CheckInLine> out;
  try {
    Query q(db_, "SELECT c.id, c.rsvp_id, coalesce(r.first_name, ''), coalesce(r.last_name, ''), c.method, c.at_ms "
                 "FROM check_in c LEFT JOIN rsvp r ON r.id = c.rsvp_id "
                 "WHERE c.meeting_id = ? AND c.undone_at_ms IS NULL ORDER BY c.at_ms DESC, c.id DESC LIMIT ?");
    q.bind(1, meeting.str()).bind(2, static_cast<std::int64_t>(max));
    while (q.step())
      out.push_back({Uuid::parse(q.text(0)).value_or(Uuid{}), RsvpId::parse(q.text(1)).value_or(RsvpId{}),
                     q.text(2), initial_of(q.text(3)), q.text(4), q.i64(5)});
  } catch (const SqlError&) {
    out.clear();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Check-in by name, and undo
// ---------------------------------------------------------------------------------------------
Result<CheckInWrite, StoreError> Store::check_in_rsvp(RsvpId rsvp, CheckInMethod method, std::int64_t now_ms) {
  CheckInWrite w;
  if (!active_meeting_) {
    w.outcome = ScanOutcome::NoActiveMeeting;
    return w;
  }
  const MeetingId meeting = *active_meeting_;
  try {
    WriteTransaction tx(db_);
    {
      Query r(db_, "SELECT meeting_id FROM rsvp WHERE id = ?");
      r.bind(1, rsvp.str());
      if (!r.step() || r.text(0) != meeting.str()) {
        w.outcome = ScanOutcome::OtherMeeting;
        return w;
      }
    }
    {
      Query q(db_, "SELECT id, ticket_serial, method, at_ms FROM check_in "
                   "WHERE meeting_id = ? AND rsvp_id = ? AND undone_at_ms IS NULL");
      q.bind(1, meeting.str()).bind(2, rsvp.str());
      if (q.step()) {
        // Already in: nothing recorded (a person choosing their own name twice is not a refused scan).
        w.outcome = ScanOutcome::AlreadyCheckedIn;
        CheckInMethod first_method = CheckInMethod::Typed;
        for (auto m : {CheckInMethod::Camera, CheckInMethod::Scanner, CheckInMethod::Typed,
                       CheckInMethod::ImageFile, CheckInMethod::Staff})
          if (q.text(2) == method_code(m)) first_method = m;
        w.record = CheckInRecord{Uuid::parse(q.text(0)).value_or(Uuid{}), meeting, rsvp,
                                 static_cast<std::uint16_t>(q.i64(1)), first_method, q.i64(3)};
        return w;
      }
    }
    CheckInRecord rec{Uuid::v7(now_ms), meeting, rsvp, 0, method, now_ms};
    Query ins(db_, "INSERT INTO check_in(id, meeting_id, rsvp_id, ticket_serial, method, at_ms) VALUES (?, ?, ?, 0, ?, ?)");
    ins.bind(1, rec.id.str()).bind(2, meeting.str()).bind(3, rsvp.str()).bind(4, std::string(method_code(method)))
        .bind(5, now_ms).step();
    const nlohmann::json payload = {{"id", rec.id.str()}, {"device", device_id_}, {"meeting", meeting.str()},
                                    {"rsvp", rsvp.str()},  {"serial", 0},         {"method", method_code(method)},
                                    {"at_ms", now_ms}};
    Query out(db_, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'check_in', ?, ?)");
    out.bind(1, rec.id.str()).bind(2, payload.dump()).bind(3, now_ms).step();
    tx.commit();
    w.outcome = ScanOutcome::CheckedIn;
    w.record = rec;
  } catch (const SqlError& e) {
    return Err{to_error(e)};
  }
  return w;
}

Result<bool, StoreError> Store::undo_check_in(const Uuid& check_in, std::int64_t now_ms) {
  try {
    WriteTransaction tx(db_);
    std::string meeting, rsvp;
    {
      Query q(db_, "SELECT meeting_id, rsvp_id FROM check_in WHERE id = ? AND undone_at_ms IS NULL");
      q.bind(1, check_in.str());
      if (!q.step()) return false;
      meeting = q.text(0);
      rsvp = q.text(1);
    }
    Query up(db_, "UPDATE check_in SET undone_at_ms = ? WHERE id = ?");
    up.bind(1, now_ms).bind(2, check_in.str()).step();
    // The undo is a record of its own, with its own ID, so the server applies it exactly once.
    const Uuid undo_id = Uuid::v7(now_ms);
    const nlohmann::json payload = {{"id", undo_id.str()}, {"device", device_id_}, {"check_in", check_in.str()},
                                    {"meeting", meeting},   {"rsvp", rsvp},        {"at_ms", now_ms}};
    Query out(db_, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'undo', ?, ?)");
    out.bind(1, undo_id.str()).bind(2, payload.dump()).bind(3, now_ms).step();
    tx.commit();
  } catch (const SqlError& e) {
    return Err{to_error(e)};
  }
  return true;
}

}  // namespace cate

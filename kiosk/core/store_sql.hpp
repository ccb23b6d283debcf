#pragma once
// Internal to the kiosk store (store.cpp, store_staff.cpp): the SQLite wrappers they share and
// the one way a check-in row and its outbox entry are written. SQL errors become StoreError
// values at each public Store method. Not for use outside kiosk/core.
#include <sqlite3.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kiosk/core/store.hpp"

namespace cate::store_sql {

struct SqlFailure {
  int code;
  std::string message;
  int os_errno = 0;  ///< what the OS said, when SQLite's failure came from a system call
};

inline SqlFailure failure_of(sqlite3* db) {
  return SqlFailure{sqlite3_extended_errcode(db), sqlite3_errmsg(db), sqlite3_system_errno(db)};
}

inline StoreError to_store_error(const SqlFailure& f) {
  // A write that fails for lack of space shows up as SQLITE_FULL or as an I/O error whose
  // system error is ENOSPC (creating the WAL): both are "full", which staff can act on.
  if (f.os_errno == ENOSPC || f.os_errno == EDQUOT) {
    return {StoreError::Kind::DiskFull,
            "the kiosk's storage is full: nothing was recorded. Free space or export and clear old data."};
  }
  switch (f.code & 0xff) {
    case SQLITE_FULL:
      return {StoreError::Kind::DiskFull, "the kiosk's storage is full: nothing was recorded. Free space or export and clear old data."};
    case SQLITE_READONLY:
      return {StoreError::Kind::ReadOnly, "the kiosk's storage is read-only: nothing was recorded."};
    case SQLITE_CANTOPEN:
      return {StoreError::Kind::CannotOpen, "the kiosk's storage cannot be opened: " + f.message};
    default:
      return {StoreError::Kind::Database, "the kiosk's storage failed: " + f.message};
  }
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw failure_of(db);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::int64_t v) { check(sqlite3_bind_int64(s_, i, v)); return *this; }
  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind_null(int i) { check(sqlite3_bind_null(s_, i)); return *this; }
  Stmt& bind_blob(int i, const void* p, int n) {
    check(sqlite3_bind_blob(s_, i, p, n, SQLITE_TRANSIENT));
    return *this;
  }
  /// Steps once: true when a row is there to read.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw failure_of(db_);
  }
  void run() { step(); }
  /// Makes the statement ready to run again with new values.
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
  }
  std::string blob(int col) const {
    auto p = sqlite3_column_blob(s_, col);
    return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw failure_of(db_);
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    SqlFailure f = failure_of(db);
    if (err) f.message = err;
    sqlite3_free(err);
    throw f;
  }
}

/// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope is left without commit().
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

inline CheckInMethod parse_method(const std::string& s) {
  for (auto m : {CheckInMethod::Camera, CheckInMethod::Scanner, CheckInMethod::Typed,
                 CheckInMethod::ImageFile, CheckInMethod::Staff})
    if (s == method_code(m)) return m;
  return CheckInMethod::Typed;
}


/// The standing (not undone) check-in of `rsvp` at `meeting`, if any.
inline std::optional<CheckInRecord> standing_check_in(sqlite3* db, MeetingId meeting, RsvpId rsvp) {
  Stmt q(db, "SELECT id, ticket_serial, method, at_ms FROM check_in "
             "WHERE meeting_id = ? AND rsvp_id = ? AND undone_at_ms IS NULL");
  q.bind(1, meeting.str()).bind(2, rsvp.str());
  if (!q.step()) return std::nullopt;
  return CheckInRecord{Uuid::parse(q.text(0)).value_or(Uuid{}), meeting, rsvp,
                       static_cast<std::uint16_t>(q.i64(1)), parse_method(q.text(2)), q.i64(3)};
}

/// Writes a check-in and its outbox entry (inside the caller's transaction).
inline void insert_check_in(sqlite3* db, const CheckInRecord& rec, const std::string& device_id) {
  Stmt ins(db, "INSERT INTO check_in(id, meeting_id, rsvp_id, ticket_serial, method, at_ms) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, rec.id.str()).bind(2, rec.meeting.str()).bind(3, rec.rsvp.str())
      .bind(4, std::int64_t{rec.serial}).bind(5, method_code(rec.method)).bind(6, rec.at_ms).run();
  nlohmann::json payload = {{"id", rec.id.str()},         {"device", device_id},
                            {"meeting", rec.meeting.str()}, {"rsvp", rec.rsvp.str()},
                            {"serial", rec.serial},       {"method", method_code(rec.method)},
                            {"at_ms", rec.at_ms}};
  Stmt out(db, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'check_in', ?, ?)");
  out.bind(1, rec.id.str()).bind(2, payload.dump()).bind(3, rec.at_ms).run();
}

}  // namespace cate::store_sql

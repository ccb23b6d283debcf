#pragma once
// Internal to the kiosk store (store.cpp, store_staff.cpp, store_forms.cpp): SQLite's wrappers
// (platform/sqlite/statement.hpp) under the store's names, SQL failures in the store's words, and
// the one way a check-in row and its outbox entry are written. SQL errors become StoreError
// values at each public Store method. Not for use outside kiosk/core.
#include <sqlite3.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kiosk/core/store.hpp"
#include "platform/sqlite/statement.hpp"

namespace cate::store_sql {

using SqlFailure = sql::Failure;
using sql::exec;
using sql::failure_of;
using sql::Stmt;
using sql::Transaction;

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

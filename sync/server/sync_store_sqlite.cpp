// The sync store on SQLite: the embedded default of cate-syncd.
//
// [SECTION] Schema     the sync tables and their own migration list
// [SECTION] Helpers    statements, transactions (record checks: record_facts.hpp)
// [SECTION] Store      devices, batches, reading
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>

#include "platform/sqlite/statement.hpp"
#include "sync/server/record_facts.hpp"
#include "sync/server/sync_store.hpp"

namespace cate {

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Schema
// The sync tables share the file with the office's central store, whose PRAGMA user_version
// is its own: the sync tables count their version in sync_schema instead. kSyncMigrations[i]
// brings them from version i to i + 1; entries are never edited once released.
// ---------------------------------------------------------------------------------------------
constexpr const char* kSyncMigrations[] = {
    // Version 1: devices, records, check-ins, refused scans.
    R"sql(
CREATE TABLE sync_device (
  device_id      TEXT PRIMARY KEY,     -- the kiosk's own UUID; written when the office enrols it
  name           TEXT NOT NULL,        -- for staff ("Front door"); written at enrolment
  token_hash     TEXT NOT NULL UNIQUE, -- BLAKE2b-256 hex of the bearer token; the token itself is never stored
  created_at_ms  INTEGER NOT NULL,     -- server clock at enrolment
  revoked_at_ms  INTEGER,              -- server clock when the office withdrew it; NULL while it may sync
  last_seen_ms   INTEGER               -- server clock of its last authenticated request; written by cate-syncd
) STRICT;

CREATE TABLE sync_record (
  record_id        TEXT PRIMARY KEY,   -- UUIDv7 made on the device; a second upload of it is a duplicate
  device_id        TEXT NOT NULL,      -- the authenticated device that uploaded it
  kind             TEXT NOT NULL,      -- 'check_in' | 'refused_scan'
  original_ms      INTEGER NOT NULL,   -- device clock when the record was made
  device_clock_ms  INTEGER NOT NULL,   -- device clock when its batch was sent
  received_ms      INTEGER NOT NULL,   -- server clock when its batch arrived
  skew_ms          INTEGER NOT NULL,   -- received_ms - device_clock_ms: how far the device's clock is behind
  payload          TEXT NOT NULL       -- the record as uploaded (JSON), kept as the fact it is
) STRICT;

CREATE TABLE sync_check_in (
  record_id    TEXT PRIMARY KEY REFERENCES sync_record(record_id),  -- the upload it came in
  device_id    TEXT NOT NULL,          -- the kiosk that checked the person in
  meeting_id   TEXT NOT NULL,          -- 16 hex digits
  rsvp_id      TEXT NOT NULL,          -- 16 hex digits
  serial       INTEGER NOT NULL,       -- the ticket's serial; 0 when staff signed the person in
  method       TEXT NOT NULL,          -- camera | scanner | typed | image_file | staff
  original_ms  INTEGER NOT NULL,       -- device clock at the check-in
  corrected_ms INTEGER NOT NULL,       -- original_ms + skew: the check-in on the server's clock; orders "first"
  counted      INTEGER NOT NULL,       -- 1 for the first check-in of this RSVP at this meeting, else 0 (a duplicate)
  CHECK (counted IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX sync_check_in_counted_once ON sync_check_in(meeting_id, rsvp_id) WHERE counted = 1;
CREATE INDEX sync_check_in_by_meeting ON sync_check_in(meeting_id, rsvp_id);

CREATE TABLE sync_refused_scan (
  record_id    TEXT PRIMARY KEY REFERENCES sync_record(record_id),  -- the upload it came in
  device_id    TEXT NOT NULL,          -- the kiosk where the scan was refused
  outcome      TEXT NOT NULL,          -- 'expired', 'forged', ... (kiosk outcome codes)
  method       TEXT NOT NULL,          -- how the code was read
  meeting_id   TEXT,                   -- the kiosk's active meeting then, if any
  original_ms  INTEGER NOT NULL        -- device clock at the scan
) STRICT;
)sql",
    // Version 2: enrolment by one-time token, and what the office sees of each device.
    R"sql(
CREATE TABLE sync_enrolment (
  token_hash      TEXT PRIMARY KEY,     -- BLAKE2b-256 hex of the one-time token; the token itself is never stored
  name            TEXT NOT NULL,        -- the device's name for staff; written by cate-admin device add
  created_at_ms   INTEGER NOT NULL,     -- office clock when cate-admin made it
  expires_at_ms   INTEGER NOT NULL,     -- after this the token is refused ("expired")
  used_at_ms      INTEGER,              -- server clock when a kiosk traded it; NULL while unused
  device_id       TEXT,                 -- the kiosk that traded it; NULL while unused
  withdrawn_at_ms INTEGER               -- office clock when revoked before any kiosk used it; NULL otherwise
) STRICT;
ALTER TABLE sync_device ADD COLUMN enrolled_at_ms INTEGER;  -- server clock when it traded an enrolment token; NULL if added by cate-syncd device add
ALTER TABLE sync_device ADD COLUMN queue_depth INTEGER;     -- records waiting on the kiosk as it said at its last upload; NULL if never said
)sql",
    // Version 3: undone check-ins, and forms (opened from their sealed envelopes).
    R"sql(
ALTER TABLE sync_check_in ADD COLUMN undone_by TEXT;  -- record ID of the undo that undid it; NULL while it stands
CREATE TABLE sync_undo (
  record_id    TEXT PRIMARY KEY REFERENCES sync_record(record_id),  -- the upload it came in
  device_id    TEXT NOT NULL,          -- the kiosk where staff undid the check-in
  check_in_id  TEXT NOT NULL,          -- record ID of the check-in undone; it may arrive after the undo
  meeting_id   TEXT NOT NULL,          -- 16 hex digits; the undo applies only to a check-in of this meeting
  rsvp_id      TEXT NOT NULL,          -- 16 hex digits; and of this RSVP
  original_ms  INTEGER NOT NULL        -- device clock when staff undid it
) STRICT;
CREATE INDEX sync_undo_by_check_in ON sync_undo(check_in_id);

CREATE TABLE sync_form (
  record_id     TEXT PRIMARY KEY REFERENCES sync_record(record_id),  -- the upload it came in
  device_id     TEXT NOT NULL,         -- the kiosk the form was filled in on
  form          TEXT NOT NULL,         -- the form's ID: walk_in, ally_network, community_network, ...
  form_version  INTEGER NOT NULL,      -- the version of the form's definition the kiosk showed
  meeting_id    TEXT,                  -- 16 hex digits; set for walk-ins, else the kiosk's active meeting if it said
  language      TEXT NOT NULL,         -- the language the person used ('' when not said)
  answers       TEXT NOT NULL,         -- the fields as typed, a JSON object, opened from the sealed envelope by cate-syncd
  original_ms   INTEGER NOT NULL,      -- device clock when the person touched "Send"
  received_ms   INTEGER NOT NULL       -- server clock when it arrived
) STRICT;
CREATE INDEX sync_form_by_form ON sync_form(form, meeting_id);
)sql",
};
constexpr int kSyncSchemaVersion = static_cast<int>(sizeof kSyncMigrations / sizeof kSyncMigrations[0]);

// ---------------------------------------------------------------------------------------------
// [SECTION] Helpers
// ---------------------------------------------------------------------------------------------
using SqlFault = sql::Failure;
using sql::exec;
using sql::Stmt;
using sql::Transaction;

// ---------------------------------------------------------------------------------------------
// [SECTION] Store
// ---------------------------------------------------------------------------------------------
class SqliteSyncStore final : public SyncStore {
 public:
  explicit SqliteSyncStore(sqlite3* db) : db_(db) {}
  ~SqliteSyncStore() override { sqlite3_close_v2(db_); }

  StoreDone setup() {
    try {
      sqlite3_busy_timeout(db_, 10000);
      {
        Stmt wal(db_, "PRAGMA journal_mode = WAL");
        wal.step();
      }
      // FULL: a batch answered "stored" is on disk before the answer leaves.
      exec(db_, "PRAGMA synchronous = FULL");
      exec(db_, "PRAGMA foreign_keys = ON");
      Transaction tx(db_);
      exec(db_,
           "CREATE TABLE IF NOT EXISTS sync_schema (  -- one row: the version of the sync tables\n"
           "  version INTEGER NOT NULL                 -- written by cate-syncd when it migrates\n"
           ") STRICT");
      int version = 0;
      {
        Stmt v(db_, "SELECT version FROM sync_schema");
        if (v.step()) version = static_cast<int>(v.i64(0));
        else exec(db_, "INSERT INTO sync_schema(version) VALUES (0)");
      }
      if (version > kSyncSchemaVersion)
        return Err{std::string("the sync tables were written by a newer cate-syncd (version ") +
                   std::to_string(version) + "); update this one"};
      for (int v = version; v < kSyncSchemaVersion; ++v) exec(db_, kSyncMigrations[v]);
      Stmt set(db_, "UPDATE sync_schema SET version = ?");
      set.bind(1, std::int64_t{kSyncSchemaVersion}).step();
      tx.commit();
    } catch (const SqlFault& f) {
      return Err{"cannot set up the sync tables: " + f.message};
    }
    return std::monostate{};
  }

  StoreDone add_device(const SyncDevice& d, std::string_view token) override {
    try {
      Stmt q(db_, "SELECT 1 FROM sync_device WHERE device_id = ?");
      if (q.bind(1, d.device_id).step()) return Err{"device " + d.device_id + " is already enrolled"};
      Stmt ins(db_, "INSERT INTO sync_device(device_id, name, token_hash, created_at_ms) VALUES (?, ?, ?, ?)");
      ins.bind(1, d.device_id).bind(2, d.name).bind(3, token_hash(token)).bind(4, d.created_at_ms).step();
    } catch (const SqlFault& f) {
      return Err{"cannot enrol the device: " + f.message};
    }
    return std::monostate{};
  }

  StoreResult<std::optional<SyncDevice>> device_for_token(std::string_view token) override {
    try {
      Stmt q(db_, "SELECT device_id, name, created_at_ms, revoked_at_ms, last_seen_ms FROM sync_device "
                  "WHERE token_hash = ?");
      if (!q.bind(1, token_hash(token)).step()) return std::optional<SyncDevice>();
      SyncDevice d{q.text(0), q.text(1), q.i64(2), std::nullopt, std::nullopt};
      if (!q.is_null(3)) d.revoked_at_ms = q.i64(3);
      if (!q.is_null(4)) d.last_seen_ms = q.i64(4);
      return std::optional<SyncDevice>(d);
    } catch (const SqlFault& f) {
      return Err{"cannot read the devices: " + f.message};
    }
  }

  StoreDone revoke_device(std::string_view device_id, std::int64_t now_ms) override {
    try {
      Stmt u(db_, "UPDATE sync_device SET revoked_at_ms = ? WHERE device_id = ? AND revoked_at_ms IS NULL");
      u.bind(1, now_ms).bind(2, device_id).step();
      if (sqlite3_changes(db_) == 0) return Err{"there is no enrolled device " + std::string(device_id)};
    } catch (const SqlFault& f) {
      return Err{"cannot revoke the device: " + f.message};
    }
    return std::monostate{};
  }

  StoreDone add_enrolment(const NewEnrolment& e) override {
    try {
      Transaction tx(db_);
      Stmt q(db_, "SELECT 1 FROM sync_device WHERE name = ?1 AND revoked_at_ms IS NULL UNION ALL "
                  "SELECT 1 FROM sync_enrolment WHERE name = ?1 AND used_at_ms IS NULL AND withdrawn_at_ms IS NULL "
                  "AND expires_at_ms > ?2");
      if (q.bind(1, e.name).bind(2, e.created_at_ms).step())
        return Err{"a device named \"" + e.name + "\" is already in use or waiting for its kiosk; pick another "
                   "name, or revoke that one first"};
      Stmt ins(db_, "INSERT INTO sync_enrolment(token_hash, name, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)");
      ins.bind(1, token_hash(e.token)).bind(2, e.name).bind(3, e.created_at_ms).bind(4, e.expires_at_ms).step();
      tx.commit();
    } catch (const SqlFault& f) {
      return Err{"cannot keep the enrolment: " + f.message};
    }
    return std::monostate{};
  }

  StoreResult<Redeemed> redeem_enrolment(std::string_view enrol_token, std::string_view device_id,
                                         std::string_view device_token, std::int64_t now_ms) override {
    Redeemed out;
    try {
      Transaction tx(db_);
      const std::string hash = token_hash(enrol_token);
      Stmt q(db_, "SELECT name, expires_at_ms, used_at_ms, withdrawn_at_ms FROM sync_enrolment WHERE token_hash = ?");
      if (!q.bind(1, hash).step()) {
        out.refusal = EnrolRefusal::Unknown;
        return out;
      }
      const std::string name = q.text(0);
      if (!q.is_null(3)) out.refusal = EnrolRefusal::Withdrawn;
      else if (!q.is_null(2)) out.refusal = EnrolRefusal::Used;
      else if (q.i64(1) <= now_ms) out.refusal = EnrolRefusal::Expired;
      if (out.refusal != EnrolRefusal::None) return out;
      Stmt up(db_, "INSERT INTO sync_device(device_id, name, token_hash, created_at_ms, enrolled_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(device_id) DO UPDATE SET name = excluded.name, "
                   "token_hash = excluded.token_hash, revoked_at_ms = NULL, enrolled_at_ms = excluded.enrolled_at_ms");
      up.bind(1, device_id).bind(2, name).bind(3, token_hash(device_token)).bind(4, now_ms).step();
      Stmt used(db_, "UPDATE sync_enrolment SET used_at_ms = ?, device_id = ? WHERE token_hash = ?");
      used.bind(1, now_ms).bind(2, device_id).bind(3, hash).step();
      tx.commit();
      out.device = SyncDevice{std::string(device_id), name, now_ms, std::nullopt, std::nullopt};
    } catch (const SqlFault& f) {
      return Err{"cannot enrol the device: " + f.message};
    }
    return out;
  }

  StoreResult<std::vector<DeviceListing>> devices(std::int64_t now_ms) override {
    std::vector<DeviceListing> out;
    try {
      Stmt d(db_, "SELECT d.name, d.device_id, d.created_at_ms, d.enrolled_at_ms, d.last_seen_ms, d.revoked_at_ms, "
                  "d.queue_depth, (SELECT count(*) FROM sync_record r WHERE r.device_id = d.device_id) "
                  "FROM sync_device d ORDER BY d.created_at_ms, d.name");
      auto opt = [&](Stmt& s, int c) { return s.is_null(c) ? std::optional<std::int64_t>() : s.i64(c); };
      while (d.step()) {
        DeviceListing l;
        l.name = d.text(0);
        l.device_id = d.text(1);
        l.created_at_ms = d.i64(2);
        l.enrolled_at_ms = opt(d, 3);
        l.last_seen_ms = opt(d, 4);
        l.revoked_at_ms = opt(d, 5);
        l.queue_depth = opt(d, 6);
        l.records = d.i64(7);
        l.state = l.revoked_at_ms ? "revoked" : "enrolled";
        out.push_back(std::move(l));
      }
      Stmt e(db_, "SELECT name, created_at_ms, expires_at_ms, withdrawn_at_ms FROM sync_enrolment "
                  "WHERE used_at_ms IS NULL ORDER BY created_at_ms, name");
      while (e.step()) {
        DeviceListing l;
        l.name = e.text(0);
        l.created_at_ms = e.i64(1);
        l.expires_at_ms = e.i64(2);
        l.revoked_at_ms = opt(e, 3);
        l.state = l.revoked_at_ms ? "withdrawn" : *l.expires_at_ms <= now_ms ? "expired" : "waiting";
        out.push_back(std::move(l));
      }
    } catch (const SqlFault& f) {
      return Err{"cannot read the devices: " + f.message};
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const DeviceListing& a, const DeviceListing& b) { return a.created_at_ms < b.created_at_ms; });
    return out;
  }

  StoreResult<int> revoke_by_name(std::string_view name, std::int64_t now_ms) override {
    int n = 0;
    try {
      Transaction tx(db_);
      Stmt d(db_, "UPDATE sync_device SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL");
      d.bind(1, now_ms).bind(2, name).step();
      n += sqlite3_changes(db_);
      Stmt e(db_, "UPDATE sync_enrolment SET withdrawn_at_ms = ? WHERE name = ? AND used_at_ms IS NULL "
                  "AND withdrawn_at_ms IS NULL");
      e.bind(1, now_ms).bind(2, name).step();
      n += sqlite3_changes(db_);
      tx.commit();
    } catch (const SqlFault& f) {
      return Err{"cannot revoke the device: " + f.message};
    }
    return n;
  }

  StoreDone saw_device(std::string_view device_id, std::int64_t now_ms) override {
    try {
      Stmt u(db_, "UPDATE sync_device SET last_seen_ms = ? WHERE device_id = ?");
      u.bind(1, now_ms).bind(2, device_id).step();
    } catch (const SqlFault& f) {
      return Err{"cannot note the device: " + f.message};
    }
    return std::monostate{};
  }

  StoreResult<MeetingReport> meeting_report(std::string_view meeting_id) override {
    MeetingReport r;
    try {
      Stmt c(db_, "SELECT coalesce(sum(counted), 0), coalesce(sum(counted = 0 AND undone_by IS NULL), 0), "
                  "coalesce(sum(undone_by IS NOT NULL), 0), "
                  "(SELECT count(*) FROM sync_form WHERE form = 'walk_in' AND meeting_id = ?1) "
                  "FROM sync_check_in WHERE meeting_id = ?1");
      c.bind(1, meeting_id).step();
      r.checked_in = c.i64(0);
      r.duplicates = c.i64(1);
      r.undone = c.i64(2);
      r.walk_ins = c.i64(3);
      Stmt f(db_, "SELECT outcome, count(*) FROM sync_refused_scan WHERE meeting_id = ? GROUP BY outcome");
      f.bind(1, meeting_id);
      while (f.step()) r.refused_by_outcome[f.text(0)] = f.i64(1);
      Stmt d(db_, "SELECT device_id, count(*) FROM (SELECT device_id FROM sync_check_in WHERE meeting_id = ?1 "
                  "UNION ALL SELECT device_id FROM sync_refused_scan WHERE meeting_id = ?1 "
                  "UNION ALL SELECT device_id FROM sync_undo WHERE meeting_id = ?1 "
                  "UNION ALL SELECT device_id FROM sync_form WHERE meeting_id = ?1) GROUP BY device_id");
      d.bind(1, meeting_id);
      while (d.step()) r.records_by_device[d.text(0)] = d.i64(1);
    } catch (const SqlFault& f) {
      return Err{"cannot read the report: " + f.message};
    }
    return r;
  }

  StoreResult<std::vector<wire::RecordResult>> record_batch(const ReceivedBatch& b) override {
    std::vector<wire::RecordResult> out;
    const std::int64_t skew = b.received_ms - b.device_clock_ms;
    try {
      Transaction tx(db_);
      Stmt seen(db_, "UPDATE sync_device SET last_seen_ms = ?, queue_depth = coalesce(?, queue_depth) "
                     "WHERE device_id = ?");
      seen.bind(1, b.received_ms);
      if (b.outbox_pending >= 0) seen.bind(2, b.outbox_pending);
      else seen.bind_null(2);
      seen.bind(3, b.device_id).step();
      Stmt has(db_, "SELECT 1 FROM sync_record WHERE record_id = ?");
      Stmt ins(db_, "INSERT INTO sync_record(record_id, device_id, kind, original_ms, device_clock_ms, "
                    "received_ms, skew_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      Stmt first(db_, "SELECT record_id, corrected_ms FROM sync_check_in "
                      "WHERE meeting_id = ? AND rsvp_id = ? AND counted = 1");
      Stmt uncount(db_, "UPDATE sync_check_in SET counted = 0 WHERE record_id = ?");
      Stmt undone_by(db_, "SELECT min(record_id) FROM sync_undo WHERE check_in_id = ? AND meeting_id = ? "
                          "AND rsvp_id = ?");
      Stmt ci(db_, "INSERT INTO sync_check_in(record_id, device_id, meeting_id, rsvp_id, serial, method, "
                   "original_ms, corrected_ms, counted, undone_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      Stmt rs(db_, "INSERT INTO sync_refused_scan(record_id, device_id, outcome, method, meeting_id, "
                   "original_ms) VALUES (?, ?, ?, ?, ?, ?)");
      Stmt un(db_, "INSERT INTO sync_undo(record_id, device_id, check_in_id, meeting_id, rsvp_id, original_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
      Stmt target(db_, "SELECT counted FROM sync_check_in WHERE record_id = ? AND meeting_id = ? AND rsvp_id = ? "
                       "AND undone_by IS NULL");
      Stmt mark(db_, "UPDATE sync_check_in SET undone_by = ?, counted = 0 WHERE record_id = ?");
      Stmt recount(db_, "UPDATE sync_check_in SET counted = 1 WHERE record_id = (SELECT record_id FROM sync_check_in "
                        "WHERE meeting_id = ?1 AND rsvp_id = ?2 AND undone_by IS NULL "
                        "ORDER BY corrected_ms, record_id LIMIT 1)");
      Stmt fm(db_, "INSERT INTO sync_form(record_id, device_id, form, form_version, meeting_id, language, answers, "
                   "original_ms, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const auto& r : b.records) {
        wire::RecordResult res{r.record_id, wire::RecordStatus::Stored, false, {}, {}};
        const std::string id = r.record_id.str();
        has.reset();
        if (has.bind(1, id).step()) {
          res.status = wire::RecordStatus::Duplicate;
          out.push_back(res);
          continue;
        }
        std::optional<CheckInFact> check_in;
        std::optional<RefusedScanFact> refused;
        std::optional<UndoFact> undo;
        std::optional<FormFact> form;
        const wire::RecordResult bad{r.record_id, wire::RecordStatus::Refused, true, "bad_payload", {}};
        if (r.kind == "check_in") {
          check_in = read_check_in(r.payload);
          if (!check_in) res = bad;
        } else if (r.kind == "refused_scan") {
          refused = read_refused_scan(r.payload);
          if (!refused) res = bad;
        } else if (r.kind == "undo") {
          undo = read_undo(r.payload);
          if (!undo) res = bad;
        } else if (r.kind == "form") {
          auto f = read_form(r.payload, b.identity);
          if (f) form = std::move(*f);
          else if (f.error() == FormRefusal::NoIdentity)
            res = {r.record_id, wire::RecordStatus::Refused, false, "no_identity", {}};
          else res = bad;
        } else {
          // A kind from a newer kiosk: kept there until this server learns it.
          res = {r.record_id, wire::RecordStatus::Refused, false, "unknown_kind", {}};
        }
        if (res.status == wire::RecordStatus::Refused) {
          out.push_back(res);
          continue;
        }
        ins.reset();
        ins.bind(1, id).bind(2, b.device_id).bind(3, r.kind).bind(4, r.original_ms).bind(5, b.device_clock_ms)
            .bind(6, b.received_ms).bind(7, skew).bind(8, r.payload).step();
        if (check_in) {
          const std::int64_t corrected = r.original_ms + skew;
          bool counted = true;
          // An undo that came before its check-in: the check-in arrives undone and counts for nothing.
          undone_by.reset();
          undone_by.bind(1, id).bind(2, check_in->meeting).bind(3, check_in->rsvp).step();
          const std::optional<std::string> undone =
              undone_by.is_null(0) ? std::nullopt : std::optional<std::string>(undone_by.text(0));
          first.reset();
          if (undone) {
            counted = false;
          } else if (first.bind(1, check_in->meeting).bind(2, check_in->rsvp).step()) {
            // The earlier check-in counts, whichever arrived first; ties go to the smaller ID.
            std::string other = first.text(0);
            std::int64_t other_ms = first.i64(1);
            if (other_ms < corrected || (other_ms == corrected && other < id)) {
              counted = false;
            } else {
              uncount.reset();
              uncount.bind(1, other).step();
            }
          }
          if (!counted && !undone) res.note = "attendance_duplicate";
          ci.reset();
          ci.bind(1, id).bind(2, b.device_id).bind(3, check_in->meeting).bind(4, check_in->rsvp)
              .bind(5, check_in->serial).bind(6, check_in->method).bind(7, r.original_ms).bind(8, corrected)
              .bind(9, std::int64_t{counted ? 1 : 0});
          if (undone) ci.bind(10, *undone);
          else ci.bind_null(10);
          ci.step();
        } else if (refused) {
          rs.reset();
          rs.bind(1, id).bind(2, b.device_id).bind(3, refused->outcome).bind(4, refused->method);
          if (refused->meeting) rs.bind(5, *refused->meeting);
          else rs.bind_null(5);
          rs.bind(6, r.original_ms).step();
        } else if (undo) {
          un.reset();
          un.bind(1, id).bind(2, b.device_id).bind(3, undo->check_in).bind(4, undo->meeting).bind(5, undo->rsvp)
              .bind(6, r.original_ms).step();
          // The check-in, if it is here and still stands, is undone; if it was the one that
          // counted, the earliest check-in of that RSVP still standing counts instead.
          target.reset();
          if (target.bind(1, undo->check_in).bind(2, undo->meeting).bind(3, undo->rsvp).step()) {
            const bool was_counted = target.i64(0) != 0;
            mark.reset();
            mark.bind(1, id).bind(2, undo->check_in).step();
            if (was_counted) {
              recount.reset();
              recount.bind(1, undo->meeting).bind(2, undo->rsvp).step();
            }
          }
        } else if (form) {
          fm.reset();
          fm.bind(1, id).bind(2, b.device_id).bind(3, form->form).bind(4, form->form_version);
          if (form->meeting) fm.bind(5, *form->meeting);
          else fm.bind_null(5);
          fm.bind(6, form->language).bind(7, form->answers).bind(8, r.original_ms).bind(9, b.received_ms).step();
        }
        out.push_back(res);
      }
      tx.commit();  // synchronous=FULL: on disk before any "stored" is answered
    } catch (const SqlFault& f) {
      return Err{"cannot record the batch: " + f.message};
    }
    return out;
  }

  StoreResult<std::vector<ServerCheckIn>> check_ins(std::string_view meeting_id) override {
    std::vector<ServerCheckIn> out;
    try {
      Stmt q(db_, "SELECT c.record_id, c.device_id, c.meeting_id, c.rsvp_id, c.original_ms, r.received_ms, "
                  "r.skew_ms, c.counted, c.undone_by IS NOT NULL FROM sync_check_in c JOIN sync_record r USING (record_id) "
                  "WHERE c.meeting_id = ? ORDER BY c.corrected_ms, c.record_id");
      q.bind(1, meeting_id);
      while (q.step())
        out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.i64(4), q.i64(5), q.i64(6), q.i64(7) != 0,
                       q.i64(8) != 0});
    } catch (const SqlFault& f) {
      return Err{"cannot read the check-ins: " + f.message};
    }
    return out;
  }

  StoreResult<SyncCounts> counts() override {
    SyncCounts c;
    try {
      Stmt q(db_, "SELECT (SELECT count(*) FROM sync_record), (SELECT count(*) FROM sync_check_in), "
                  "(SELECT count(*) FROM sync_check_in WHERE counted = 1), (SELECT count(*) FROM sync_refused_scan), "
                  "(SELECT count(*) FROM sync_undo), (SELECT count(*) FROM sync_form)");
      q.step();
      c = {q.i64(0), q.i64(1), q.i64(2), q.i64(3), q.i64(4), q.i64(5)};
    } catch (const SqlFault& f) {
      return Err{"cannot count the records: " + f.message};
    }
    return c;
  }

  StoreResult<std::vector<ServerForm>> forms(std::string_view form, std::optional<std::string> meeting) override {
    std::vector<ServerForm> out;
    try {
      Stmt q(db_, "SELECT f.record_id, f.device_id, f.form, f.form_version, f.meeting_id, f.language, f.answers, "
                  "f.original_ms, f.received_ms, r.skew_ms FROM sync_form f JOIN sync_record r USING (record_id) "
                  "WHERE f.form = ?1 AND (?2 IS NULL OR f.meeting_id = ?2) "
                  "ORDER BY f.original_ms + r.skew_ms, f.record_id");
      q.bind(1, form);
      if (meeting) q.bind(2, *meeting);
      else q.bind_null(2);
      while (q.step()) {
        ServerForm f{q.text(0), q.text(1), q.text(2), q.i64(3), std::nullopt, q.text(5), q.text(6),
                     q.i64(7), q.i64(8), q.i64(9)};
        if (!q.is_null(4)) f.meeting = q.text(4);
        out.push_back(std::move(f));
      }
    } catch (const SqlFault& f) {
      return Err{"cannot read the forms: " + f.message};
    }
    return out;
  }

 private:
  sqlite3* db_;
};

}  // namespace

StoreResult<std::unique_ptr<SyncStore>> open_sqlite_sync_store(const std::string& path) {
  if (sodium_init() < 0) return Err{std::string("cannot start libsodium")};
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Err{"cannot open the server database at " + path + ": " + msg};
  }
  auto store = std::make_unique<SqliteSyncStore>(db);
  if (auto r = store->setup(); !r) return Err{r.error()};
  return std::unique_ptr<SyncStore>(std::move(store));
}

std::string new_device_token() {
  if (sodium_init() < 0) return {};
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

}  // namespace cate

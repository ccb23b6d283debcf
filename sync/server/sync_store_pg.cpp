// The sync store on PostgreSQL (libpq): what the office runs in production.
//
// [SECTION] Schema     the sync tables, a comment on every column, and their migration list
// [SECTION] Helpers    one connection, prepared statements, transactions
// [SECTION] Store      devices, batches, reading
//
// The answers are the SQLite store's (sync_store_sqlite.cpp), record for record: a record_id the
// store holds is a duplicate; of all check-ins of one RSVP at one meeting the earliest by
// skew-corrected device time counts and the others are kept as duplicates; refused scans are
// kept; tokens are kept only as hashes. A batch is one transaction, committed (synchronous_commit
// on, the server's default) before any record of it is answered "stored". Several cate-syncd may
// write into one database: a batch locks the RSVPs it checks in (advisory locks, in one order),
// and a record_id uploaded twice at once is inserted once (ON CONFLICT DO NOTHING).
#include "sync/server/sync_store_pg.hpp"

#include <libpq-fe.h>
#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "sync/admin/pg_connection.hpp"
#include "sync/server/record_facts.hpp"

namespace cate {

bool is_pg_address(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Schema
// kPgMigrations[i] brings the sync tables from version i to i + 1 (kept in sync_schema);
// entries are never edited once released. The comments are in the database itself (COMMENT ON),
// so `\d+ sync_record` in psql says what each column holds and who writes it.
// ---------------------------------------------------------------------------------------------
constexpr const char* kPgMigrations[] = {
    // Version 1: devices, records, check-ins, refused scans.
    R"sql(
CREATE TABLE sync_device (
  device_id      text PRIMARY KEY,
  name           text NOT NULL,
  token_hash     text NOT NULL UNIQUE,
  created_at_ms  bigint NOT NULL,
  revoked_at_ms  bigint,
  last_seen_ms   bigint
);
COMMENT ON TABLE sync_device IS 'Kiosks allowed to upload; written by cate-syncd device add/revoke';
COMMENT ON COLUMN sync_device.device_id IS 'the kiosk''s own UUID; written when the office enrols it';
COMMENT ON COLUMN sync_device.name IS 'for staff ("Front door"); written at enrolment';
COMMENT ON COLUMN sync_device.token_hash IS 'BLAKE2b-256 hex of the bearer token; the token itself is never stored';
COMMENT ON COLUMN sync_device.created_at_ms IS 'server clock at enrolment, Unix ms';
COMMENT ON COLUMN sync_device.revoked_at_ms IS 'server clock when the office withdrew it; NULL while it may sync';
COMMENT ON COLUMN sync_device.last_seen_ms IS 'server clock of its last upload; written by cate-syncd';

CREATE TABLE sync_record (
  record_id        uuid PRIMARY KEY,
  device_id        text NOT NULL,
  kind             text NOT NULL,
  original_ms      bigint NOT NULL,
  device_clock_ms  bigint NOT NULL,
  received_ms      bigint NOT NULL,
  skew_ms          bigint NOT NULL,
  payload          text NOT NULL
);
COMMENT ON TABLE sync_record IS 'Every record a kiosk uploaded, once, as the fact it is; written by cate-syncd';
COMMENT ON COLUMN sync_record.record_id IS 'UUIDv7 made on the device; a second upload of it is a duplicate';
COMMENT ON COLUMN sync_record.device_id IS 'the authenticated device that uploaded it (from its token, never the body)';
COMMENT ON COLUMN sync_record.kind IS 'check_in | refused_scan';
COMMENT ON COLUMN sync_record.original_ms IS 'device clock when the record was made';
COMMENT ON COLUMN sync_record.device_clock_ms IS 'device clock when its batch was sent';
COMMENT ON COLUMN sync_record.received_ms IS 'server clock when its batch arrived';
COMMENT ON COLUMN sync_record.skew_ms IS 'received_ms - device_clock_ms: how far the device''s clock is behind';
COMMENT ON COLUMN sync_record.payload IS 'the record as uploaded (JSON text), kept as the fact it is';

CREATE TABLE sync_check_in (
  record_id    uuid PRIMARY KEY REFERENCES sync_record(record_id),
  device_id    text NOT NULL,
  meeting_id   text NOT NULL,
  rsvp_id      text NOT NULL,
  serial       integer NOT NULL,
  method       text NOT NULL,
  original_ms  bigint NOT NULL,
  corrected_ms bigint NOT NULL,
  counted      boolean NOT NULL
);
CREATE UNIQUE INDEX sync_check_in_counted_once ON sync_check_in(meeting_id, rsvp_id) WHERE counted;
CREATE INDEX sync_check_in_by_meeting ON sync_check_in(meeting_id, rsvp_id);
COMMENT ON TABLE sync_check_in IS 'Check-ins as facts, duplicates included; written by cate-syncd';
COMMENT ON COLUMN sync_check_in.record_id IS 'the upload it came in';
COMMENT ON COLUMN sync_check_in.device_id IS 'the kiosk that checked the person in';
COMMENT ON COLUMN sync_check_in.meeting_id IS '16 hex digits';
COMMENT ON COLUMN sync_check_in.rsvp_id IS '16 hex digits';
COMMENT ON COLUMN sync_check_in.serial IS 'the ticket''s serial; 0 when staff signed the person in';
COMMENT ON COLUMN sync_check_in.method IS 'camera | scanner | typed | image_file | staff';
COMMENT ON COLUMN sync_check_in.original_ms IS 'device clock at the check-in';
COMMENT ON COLUMN sync_check_in.corrected_ms IS 'original_ms + skew: the check-in on the server''s clock; orders "first"';
COMMENT ON COLUMN sync_check_in.counted IS 'true for the first check-in of this RSVP at this meeting, false for a duplicate';

CREATE TABLE sync_refused_scan (
  record_id    uuid PRIMARY KEY REFERENCES sync_record(record_id),
  device_id    text NOT NULL,
  outcome      text NOT NULL,
  method       text NOT NULL,
  meeting_id   text,
  original_ms  bigint NOT NULL
);
COMMENT ON TABLE sync_refused_scan IS 'Scans a kiosk refused, without personal data; written by cate-syncd';
COMMENT ON COLUMN sync_refused_scan.record_id IS 'the upload it came in';
COMMENT ON COLUMN sync_refused_scan.device_id IS 'the kiosk where the scan was refused';
COMMENT ON COLUMN sync_refused_scan.outcome IS 'expired, forged, ... (kiosk outcome codes)';
COMMENT ON COLUMN sync_refused_scan.method IS 'how the code was read';
COMMENT ON COLUMN sync_refused_scan.meeting_id IS 'the kiosk''s active meeting then, if any';
COMMENT ON COLUMN sync_refused_scan.original_ms IS 'device clock at the scan';
)sql",
    // Version 2: enrolment by one-time token, and what the office sees of each device.
    R"sql(
CREATE TABLE sync_enrolment (
  token_hash      text PRIMARY KEY,
  name            text NOT NULL,
  created_at_ms   bigint NOT NULL,
  expires_at_ms   bigint NOT NULL,
  used_at_ms      bigint,
  device_id       text,
  withdrawn_at_ms bigint
);
COMMENT ON TABLE sync_enrolment IS 'One-time enrolment tokens; written by cate-admin device add, used up by POST /v1/enrol';
COMMENT ON COLUMN sync_enrolment.token_hash IS 'BLAKE2b-256 hex of the one-time token; the token itself is never stored';
COMMENT ON COLUMN sync_enrolment.name IS 'the device''s name for staff; written by cate-admin device add';
COMMENT ON COLUMN sync_enrolment.created_at_ms IS 'office clock when cate-admin made it';
COMMENT ON COLUMN sync_enrolment.expires_at_ms IS 'after this the token is refused (expired)';
COMMENT ON COLUMN sync_enrolment.used_at_ms IS 'server clock when a kiosk traded it; NULL while unused';
COMMENT ON COLUMN sync_enrolment.device_id IS 'the kiosk that traded it; NULL while unused';
COMMENT ON COLUMN sync_enrolment.withdrawn_at_ms IS 'office clock when revoked before any kiosk used it; NULL otherwise';
ALTER TABLE sync_device ADD COLUMN enrolled_at_ms bigint;
ALTER TABLE sync_device ADD COLUMN queue_depth bigint;
COMMENT ON COLUMN sync_device.enrolled_at_ms IS 'server clock when it traded an enrolment token; NULL if added by cate-syncd device add';
COMMENT ON COLUMN sync_device.queue_depth IS 'records waiting on the kiosk as it said at its last upload; NULL if never said';
)sql",    // Version 3: undone check-ins, and forms (opened from their sealed envelopes).
    R"sql(
ALTER TABLE sync_check_in ADD COLUMN undone_by uuid;
COMMENT ON COLUMN sync_check_in.undone_by IS 'record ID of the undo that undid it; NULL while it stands';
CREATE TABLE sync_undo (
  record_id    uuid PRIMARY KEY REFERENCES sync_record(record_id),
  device_id    text NOT NULL,
  check_in_id  uuid NOT NULL,
  meeting_id   text NOT NULL,
  rsvp_id      text NOT NULL,
  original_ms  bigint NOT NULL
);
CREATE INDEX sync_undo_by_check_in ON sync_undo(check_in_id);
COMMENT ON TABLE sync_undo IS 'Check-ins staff undid, as facts; written by cate-syncd';
COMMENT ON COLUMN sync_undo.record_id IS 'the upload it came in';
COMMENT ON COLUMN sync_undo.device_id IS 'the kiosk where staff undid the check-in';
COMMENT ON COLUMN sync_undo.check_in_id IS 'record ID of the check-in undone; it may arrive after the undo';
COMMENT ON COLUMN sync_undo.meeting_id IS '16 hex digits; the undo applies only to a check-in of this meeting';
COMMENT ON COLUMN sync_undo.rsvp_id IS '16 hex digits; and of this RSVP';
COMMENT ON COLUMN sync_undo.original_ms IS 'device clock when staff undid it';

CREATE TABLE sync_form (
  record_id     uuid PRIMARY KEY REFERENCES sync_record(record_id),
  device_id     text NOT NULL,
  form          text NOT NULL,
  form_version  bigint NOT NULL,
  meeting_id    text,
  language      text NOT NULL,
  answers       text NOT NULL,
  original_ms   bigint NOT NULL,
  received_ms   bigint NOT NULL
);
CREATE INDEX sync_form_by_form ON sync_form(form, meeting_id);
COMMENT ON TABLE sync_form IS 'Sign-up and walk-in forms, opened from their sealed envelopes; written by cate-syncd';
COMMENT ON COLUMN sync_form.record_id IS 'the upload it came in';
COMMENT ON COLUMN sync_form.device_id IS 'the kiosk the form was filled in on';
COMMENT ON COLUMN sync_form.form IS 'the form''s ID: walk_in, ally_network, community_network, ...';
COMMENT ON COLUMN sync_form.form_version IS 'the version of the form''s definition the kiosk showed';
COMMENT ON COLUMN sync_form.meeting_id IS '16 hex digits; set for walk-ins, else the kiosk''s active meeting if it said';
COMMENT ON COLUMN sync_form.language IS 'the language the person used (empty when not said)';
COMMENT ON COLUMN sync_form.answers IS 'the fields as typed, a JSON object in the kiosk''s order (cast to jsonb to query)';
COMMENT ON COLUMN sync_form.original_ms IS 'device clock when the person touched Send';
COMMENT ON COLUMN sync_form.received_ms IS 'server clock when it arrived';
)sql",
};
constexpr int kPgSchemaVersion = static_cast<int>(sizeof kPgMigrations / sizeof kPgMigrations[0]);

// Any number: the advisory lock that makes two cate-syncd starting at once migrate one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7243011505)";

// ---------------------------------------------------------------------------------------------
// [SECTION] Helpers
// ---------------------------------------------------------------------------------------------
// The libpq wrapper both PostgreSQL stores share: sync/admin/pg_connection.hpp.
using pg::Connection;
using pg::Params;
using pg::Rows;
using pg::SqlFault;
using pg::Transaction;

/// @brief Up to `size` connections, opened when first needed; a call takes one for its whole
/// length (a lease) and gives it back, so calls from several threads run side by side.
class Pool {
 public:
  Pool(std::string conninfo, std::size_t size) : conninfo_(std::move(conninfo)), size_(std::max<std::size_t>(1, size)) {}

  class Lease {
   public:
    Lease(Pool& p, std::unique_ptr<Connection> c) : pool_(p), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *c_; }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> c_;
  };

  /// A connection of its own for the caller; waits while all `size` are in use.
  Lease take() {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [&] { return !idle_.empty() || opened_ < size_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(c));
    }
    ++opened_;
    lock.unlock();
    return Lease(*this, std::make_unique<Connection>(conninfo_));
  }

 private:
  void give_back(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(c));
    }
    free_.notify_one();
  }

  std::string conninfo_;
  std::size_t size_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t opened_ = 0;
};


std::string num(std::int64_t v) { return std::to_string(v); }

// ---------------------------------------------------------------------------------------------
// [SECTION] Store
// ---------------------------------------------------------------------------------------------
class PgSyncStore final : public SyncStore {
 public:
  PgSyncStore(std::string conninfo, std::size_t connections) : pool_(std::move(conninfo), connections) {}

  bool concurrent() const override { return true; }

  StoreDone setup() {
    return leased("cannot set up the sync tables", [&](Connection& db) -> StoreResult<std::monostate> {
      Transaction tx(db);
      db.exec(kMigrationLock);
      db.exec(
          "CREATE TABLE IF NOT EXISTS sync_schema (version integer NOT NULL);"
          "COMMENT ON TABLE sync_schema IS 'One row: the version of the sync tables';"
          "COMMENT ON COLUMN sync_schema.version IS 'written by cate-syncd when it migrates'");
      Rows v = db.run("schema_version", "SELECT version FROM sync_schema", {});
      int version = 0;
      if (v.size() > 0) version = static_cast<int>(v.i64(0, 0));
      else db.exec("INSERT INTO sync_schema(version) VALUES (0)");
      if (version > kPgSchemaVersion)
        return Err{"the sync tables were written by a newer cate-syncd (version " + std::to_string(version) +
                   "); update this one"};
      for (int i = version; i < kPgSchemaVersion; ++i) db.exec(kPgMigrations[i]);
      db.exec(("UPDATE sync_schema SET version = " + std::to_string(kPgSchemaVersion)).c_str());
      tx.commit();
      return std::monostate{};
    });
  }

  StoreDone add_device(const SyncDevice& d, std::string_view token) override {
    return leased("cannot enrol the device", [&](Connection& db) -> StoreResult<std::monostate> {
      Rows r = db.run("add_device",
                       "INSERT INTO sync_device(device_id, name, token_hash, created_at_ms) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT (device_id) DO NOTHING",
                       {d.device_id, d.name, token_hash(token), num(d.created_at_ms)});
      if (r.affected() == 0) return Err{"device " + d.device_id + " is already enrolled"};
      return std::monostate{};
    });
  }

  StoreResult<std::optional<SyncDevice>> device_for_token(std::string_view token) override {
    return leased("cannot read the devices", [&](Connection& db) -> StoreResult<std::optional<SyncDevice>> {
      Rows q = db.run("device_for_token",
                       "SELECT device_id, name, created_at_ms, revoked_at_ms, last_seen_ms FROM sync_device "
                       "WHERE token_hash = $1",
                       {token_hash(token)});
      if (q.size() == 0) return std::optional<SyncDevice>();
      SyncDevice d{q.text(0, 0), q.text(0, 1), q.i64(0, 2), std::nullopt, std::nullopt};
      if (!q.is_null(0, 3)) d.revoked_at_ms = q.i64(0, 3);
      if (!q.is_null(0, 4)) d.last_seen_ms = q.i64(0, 4);
      return std::optional<SyncDevice>(d);
    });
  }

  StoreDone revoke_device(std::string_view device_id, std::int64_t now_ms) override {
    return leased("cannot revoke the device", [&](Connection& db) -> StoreResult<std::monostate> {
      Rows r = db.run("revoke_device",
                       "UPDATE sync_device SET revoked_at_ms = $1 WHERE device_id = $2 AND revoked_at_ms IS NULL",
                       {num(now_ms), std::string(device_id)});
      if (r.affected() == 0) return Err{"there is no enrolled device " + std::string(device_id)};
      return std::monostate{};
    });
  }

  StoreDone add_enrolment(const NewEnrolment& e) override {
    return leased("cannot keep the enrolment", [&](Connection& db) -> StoreResult<std::monostate> {
      Transaction tx(db);
      db.exec("LOCK TABLE sync_enrolment IN SHARE ROW EXCLUSIVE MODE");
      Rows q = db.run("name_in_use",
                       "SELECT 1 FROM sync_device WHERE name = $1 AND revoked_at_ms IS NULL UNION ALL "
                       "SELECT 1 FROM sync_enrolment WHERE name = $1 AND used_at_ms IS NULL AND withdrawn_at_ms IS NULL "
                       "AND expires_at_ms > $2::bigint",
                       {e.name, num(e.created_at_ms)});
      if (q.size() > 0)
        return Err{"a device named \"" + e.name + "\" is already in use or waiting for its kiosk; pick another "
                   "name, or revoke that one first"};
      db.run("add_enrolment",
              "INSERT INTO sync_enrolment(token_hash, name, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)",
              {token_hash(e.token), e.name, num(e.created_at_ms), num(e.expires_at_ms)});
      tx.commit();
      return std::monostate{};
    });
  }

  StoreResult<Redeemed> redeem_enrolment(std::string_view enrol_token, std::string_view device_id,
                                         std::string_view device_token, std::int64_t now_ms) override {
    return leased("cannot enrol the device", [&](Connection& db) -> StoreResult<Redeemed> {
      Redeemed out;
      Transaction tx(db);
      const std::string hash = token_hash(enrol_token);
      Rows q = db.run("find_enrolment",
                       "SELECT name, expires_at_ms, used_at_ms, withdrawn_at_ms FROM sync_enrolment "
                       "WHERE token_hash = $1 FOR UPDATE",
                       {hash});
      if (q.size() == 0) {
        out.refusal = EnrolRefusal::Unknown;
        return out;
      }
      const std::string name = q.text(0, 0);
      if (!q.is_null(0, 3)) out.refusal = EnrolRefusal::Withdrawn;
      else if (!q.is_null(0, 2)) out.refusal = EnrolRefusal::Used;
      else if (q.i64(0, 1) <= now_ms) out.refusal = EnrolRefusal::Expired;
      if (out.refusal != EnrolRefusal::None) return out;
      db.run("enrol_device",
              "INSERT INTO sync_device(device_id, name, token_hash, created_at_ms, enrolled_at_ms) "
              "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, "
              "token_hash = excluded.token_hash, revoked_at_ms = NULL, enrolled_at_ms = excluded.enrolled_at_ms",
              {std::string(device_id), name, token_hash(device_token), num(now_ms)});
      db.run("use_enrolment", "UPDATE sync_enrolment SET used_at_ms = $1, device_id = $2 WHERE token_hash = $3",
              {num(now_ms), std::string(device_id), hash});
      tx.commit();
      out.device = SyncDevice{std::string(device_id), name, now_ms, std::nullopt, std::nullopt};
      return out;
    });
  }

  StoreResult<std::vector<DeviceListing>> devices(std::int64_t now_ms) override {
    return leased("cannot read the devices", [&](Connection& db) -> StoreResult<std::vector<DeviceListing>> {
      std::vector<DeviceListing> out;
      auto opt = [](const Rows& r, int i, int c) {
        return r.is_null(i, c) ? std::optional<std::int64_t>() : r.i64(i, c);
      };
      Rows d = db.run("list_devices",
                       "SELECT d.name, d.device_id, d.created_at_ms, d.enrolled_at_ms, d.last_seen_ms, d.revoked_at_ms, "
                       "d.queue_depth, (SELECT count(*) FROM sync_record r WHERE r.device_id = d.device_id) "
                       "FROM sync_device d ORDER BY d.created_at_ms, d.name",
                       {});
      for (int i = 0; i < d.size(); ++i) {
        DeviceListing l;
        l.name = d.text(i, 0);
        l.device_id = d.text(i, 1);
        l.created_at_ms = d.i64(i, 2);
        l.enrolled_at_ms = opt(d, i, 3);
        l.last_seen_ms = opt(d, i, 4);
        l.revoked_at_ms = opt(d, i, 5);
        l.queue_depth = opt(d, i, 6);
        l.records = d.i64(i, 7);
        l.state = l.revoked_at_ms ? "revoked" : "enrolled";
        out.push_back(std::move(l));
      }
      Rows e = db.run("list_enrolments",
                       "SELECT name, created_at_ms, expires_at_ms, withdrawn_at_ms FROM sync_enrolment "
                       "WHERE used_at_ms IS NULL ORDER BY created_at_ms, name",
                       {});
      for (int i = 0; i < e.size(); ++i) {
        DeviceListing l;
        l.name = e.text(i, 0);
        l.created_at_ms = e.i64(i, 1);
        l.expires_at_ms = e.i64(i, 2);
        l.revoked_at_ms = opt(e, i, 3);
        l.state = l.revoked_at_ms ? "withdrawn" : *l.expires_at_ms <= now_ms ? "expired" : "waiting";
        out.push_back(std::move(l));
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const DeviceListing& a, const DeviceListing& b) { return a.created_at_ms < b.created_at_ms; });
      return out;
    });
  }

  StoreResult<int> revoke_by_name(std::string_view name, std::int64_t now_ms) override {
    return leased("cannot revoke the device", [&](Connection& db) -> StoreResult<int> {
      Transaction tx(db);
      Rows d = db.run("revoke_name",
                       "UPDATE sync_device SET revoked_at_ms = $1 WHERE name = $2 AND revoked_at_ms IS NULL",
                       {num(now_ms), std::string(name)});
      Rows e = db.run("withdraw_name",
                       "UPDATE sync_enrolment SET withdrawn_at_ms = $1 WHERE name = $2 AND used_at_ms IS NULL "
                       "AND withdrawn_at_ms IS NULL",
                       {num(now_ms), std::string(name)});
      tx.commit();
      return static_cast<int>(d.affected() + e.affected());
    });
  }

  StoreDone saw_device(std::string_view device_id, std::int64_t now_ms) override {
    return leased("cannot note the device", [&](Connection& db) -> StoreResult<std::monostate> {
      db.run("saw_device", "UPDATE sync_device SET last_seen_ms = $1 WHERE device_id = $2",
              {num(now_ms), std::string(device_id)});
      return std::monostate{};
    });
  }

  StoreResult<MeetingReport> meeting_report(std::string_view meeting_id) override {
    return leased("cannot read the report", [&](Connection& db) -> StoreResult<MeetingReport> {
      MeetingReport r;
      const std::string m(meeting_id);
      Rows c = db.run("report_check_ins",
                       "SELECT count(*) FILTER (WHERE counted), count(*) FILTER (WHERE NOT counted AND undone_by IS NULL), "
                      "count(*) FILTER (WHERE undone_by IS NOT NULL), "
                      "(SELECT count(*) FROM sync_form WHERE form = 'walk_in' AND meeting_id = $1) "
                      "FROM sync_check_in WHERE meeting_id = $1",
                      {m});
      r.checked_in = c.i64(0, 0);
      r.duplicates = c.i64(0, 1);
      r.undone = c.i64(0, 2);
      r.walk_ins = c.i64(0, 3);
      Rows f = db.run("report_refused",
                       "SELECT outcome, count(*) FROM sync_refused_scan WHERE meeting_id = $1 GROUP BY outcome", {m});
      for (int i = 0; i < f.size(); ++i) r.refused_by_outcome[f.text(i, 0)] = f.i64(i, 1);
      Rows d = db.run("report_devices",
                       "SELECT device_id, count(*) FROM (SELECT device_id FROM sync_check_in WHERE meeting_id = $1 "
                       "UNION ALL SELECT device_id FROM sync_refused_scan WHERE meeting_id = $1 "
                      "UNION ALL SELECT device_id FROM sync_undo WHERE meeting_id = $1 "
                      "UNION ALL SELECT device_id FROM sync_form WHERE meeting_id = $1) AS x GROUP BY device_id",
                       {m});
      for (int i = 0; i < d.size(); ++i) r.records_by_device[d.text(i, 0)] = d.i64(i, 1);
      return r;
    });
  }

  StoreResult<std::vector<wire::RecordResult>> record_batch(const ReceivedBatch& b) override {
    const std::int64_t skew = b.received_ms - b.device_clock_ms;
    const std::string skew_text = num(skew), clock_text = num(b.device_clock_ms), received_text = num(b.received_ms);
    // Read every payload first: the database sees only records it will keep.
    struct Item {
      const wire::Record* r;
      std::optional<CheckInFact> check_in;
      std::optional<RefusedScanFact> refused;
      std::optional<UndoFact> undo;
      std::optional<FormFact> form;
      wire::RecordResult res;
    };
    std::vector<Item> items;
    items.reserve(b.records.size());
    std::set<std::string> rsvp_keys;  // "meeting:rsvp", sorted: the order locks are taken in
    for (const auto& r : b.records) {
      Item it{&r, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
              {r.record_id, wire::RecordStatus::Stored, false, {}, {}}};
      const wire::RecordResult bad{r.record_id, wire::RecordStatus::Refused, true, "bad_payload", {}};
      if (r.kind == "check_in") {
        it.check_in = read_check_in(r.payload);
        if (!it.check_in) it.res = bad;
        else rsvp_keys.insert(it.check_in->meeting + ":" + it.check_in->rsvp);
      } else if (r.kind == "refused_scan") {
        it.refused = read_refused_scan(r.payload);
        if (!it.refused) it.res = bad;
      } else if (r.kind == "undo") {
        it.undo = read_undo(r.payload);
        if (!it.undo) it.res = bad;
        else rsvp_keys.insert(it.undo->meeting + ":" + it.undo->rsvp);
      } else if (r.kind == "form") {
        auto f = read_form(r.payload, b.identity);
        if (f) it.form = std::move(*f);
        else if (f.error() == FormRefusal::NoIdentity)
          it.res = {r.record_id, wire::RecordStatus::Refused, false, "no_identity", {}};
        else it.res = bad;
      } else {
        // A kind from a newer kiosk: kept there until this server learns it.
        it.res = {r.record_id, wire::RecordStatus::Refused, false, "unknown_kind", {}};
      }
      items.push_back(std::move(it));
    }
    std::vector<wire::RecordResult> out;
    out.reserve(items.size());
    return leased("cannot record the batch", [&](Connection& db) -> StoreResult<std::vector<wire::RecordResult>> {
      Transaction tx(db);
      db.run("seen", "UPDATE sync_device SET last_seen_ms = $1, queue_depth = coalesce($3::bigint, queue_depth) "
              "WHERE device_id = $2",
              {received_text, b.device_id,
               b.outbox_pending >= 0 ? std::optional<std::string>(num(b.outbox_pending)) : std::nullopt});
      if (!rsvp_keys.empty()) {
        // Another cate-syncd on this database deciding "first" for the same RSVP waits for us.
        std::string array = "{";
        for (const auto& k : rsvp_keys) array += (array.size() > 1 ? "," : "") + k;
        array += "}";
        db.run("lock_rsvps",
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                "FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys",
                {array});
      }
      for (auto& it : items) {
        const wire::Record& r = *it.r;
        const std::string id = r.record_id.str();
        if (it.res.status == wire::RecordStatus::Refused) {
          // A record already held is a duplicate whatever it says now (as on SQLite).
          Rows has = db.run("has_record", "SELECT 1 FROM sync_record WHERE record_id = $1", {id});
          if (has.size() > 0) it.res = {r.record_id, wire::RecordStatus::Duplicate, false, {}, {}};
          out.push_back(it.res);
          continue;
        }
        Rows ins = db.run("insert_record",
                           "INSERT INTO sync_record(record_id, device_id, kind, original_ms, device_clock_ms, "
                           "received_ms, skew_ms, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                           "ON CONFLICT (record_id) DO NOTHING",
                           {id, b.device_id, r.kind, num(r.original_ms), clock_text, received_text, skew_text,
                            r.payload});
        if (ins.affected() == 0) {
          it.res.status = wire::RecordStatus::Duplicate;
          out.push_back(it.res);
          continue;
        }
        if (it.check_in) {
          const CheckInFact& f = *it.check_in;
          const std::int64_t corrected = r.original_ms + skew;
          bool counted = true;
          // An undo that came before its check-in: the check-in arrives undone and counts for nothing.
          Rows undone = db.run("undone_by",
                               "SELECT min(record_id::text) FROM sync_undo WHERE check_in_id = $1 "
                               "AND meeting_id = $2 AND rsvp_id = $3",
                               {id, f.meeting, f.rsvp});
          const std::optional<std::string> undone_by =
              undone.is_null(0, 0) ? std::nullopt : std::optional<std::string>(undone.text(0, 0));
          if (undone_by) {
            counted = false;
          } else {
            Rows first = db.run("first_check_in",
                                "SELECT record_id::text, corrected_ms FROM sync_check_in "
                                "WHERE meeting_id = $1 AND rsvp_id = $2 AND counted",
                                {f.meeting, f.rsvp});
            if (first.size() > 0) {
              // The earlier check-in counts, whichever arrived first; ties go to the smaller ID.
              std::string other = first.text(0, 0);
              std::int64_t other_ms = first.i64(0, 1);
              if (other_ms < corrected || (other_ms == corrected && other < id)) counted = false;
              else db.run("uncount", "UPDATE sync_check_in SET counted = false WHERE record_id = $1", {other});
            }
            if (!counted) it.res.note = "attendance_duplicate";
          }
          db.run("insert_check_in",
                 "INSERT INTO sync_check_in(record_id, device_id, meeting_id, rsvp_id, serial, method, "
                 "original_ms, corrected_ms, counted, undone_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                 {id, b.device_id, f.meeting, f.rsvp, num(f.serial), f.method, num(r.original_ms), num(corrected),
                  std::string(counted ? "true" : "false"), undone_by});
        } else if (it.refused) {
          db.run("insert_refused_scan",
                 "INSERT INTO sync_refused_scan(record_id, device_id, outcome, method, meeting_id, original_ms) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 {id, b.device_id, it.refused->outcome, it.refused->method, it.refused->meeting, num(r.original_ms)});
        } else if (it.undo) {
          const UndoFact& u = *it.undo;
          db.run("insert_undo",
                 "INSERT INTO sync_undo(record_id, device_id, check_in_id, meeting_id, rsvp_id, original_ms) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 {id, b.device_id, u.check_in, u.meeting, u.rsvp, num(r.original_ms)});
          // The check-in, if it is here and still stands, is undone; if it was the one that
          // counted, the earliest check-in of that RSVP still standing counts instead.
          Rows target = db.run("undo_check_in",
                               "UPDATE sync_check_in c SET undone_by = $1, counted = false FROM "
                               "(SELECT record_id, counted FROM sync_check_in WHERE record_id = $2 AND meeting_id = $3 "
                               "AND rsvp_id = $4 AND undone_by IS NULL) AS old "
                               "WHERE c.record_id = old.record_id RETURNING old.counted",
                               {id, u.check_in, u.meeting, u.rsvp});
          if (target.size() > 0 && target.text(0, 0) == "t")
            db.run("recount",
                   "UPDATE sync_check_in SET counted = true WHERE record_id = (SELECT record_id FROM sync_check_in "
                   "WHERE meeting_id = $1 AND rsvp_id = $2 AND undone_by IS NULL "
                   "ORDER BY corrected_ms, record_id LIMIT 1)",
                   {u.meeting, u.rsvp});
        } else if (it.form) {
          const FormFact& f = *it.form;
          db.run("insert_form",
                 "INSERT INTO sync_form(record_id, device_id, form, form_version, meeting_id, language, answers, "
                 "original_ms, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 {id, b.device_id, f.form, num(f.form_version), f.meeting, f.language, f.answers, num(r.original_ms),
                  received_text});
        }
        out.push_back(it.res);
      }
      tx.commit();  // durable (synchronous_commit) before any "stored" is answered
      return out;
    });
  }

  StoreResult<std::vector<ServerCheckIn>> check_ins(std::string_view meeting_id) override {
    return leased("cannot read the check-ins", [&](Connection& db) -> StoreResult<std::vector<ServerCheckIn>> {
      std::vector<ServerCheckIn> out;
      Rows q = db.run("check_ins",
                       "SELECT c.record_id::text, c.device_id, c.meeting_id, c.rsvp_id, c.original_ms, r.received_ms, "
                       "r.skew_ms, c.counted, c.undone_by IS NOT NULL FROM sync_check_in c JOIN sync_record r USING (record_id) "
                       "WHERE c.meeting_id = $1 ORDER BY c.corrected_ms, c.record_id",
                       {std::string(meeting_id)});
      for (int i = 0; i < q.size(); ++i)
        out.push_back({q.text(i, 0), q.text(i, 1), q.text(i, 2), q.text(i, 3), q.i64(i, 4), q.i64(i, 5), q.i64(i, 6),
                       q.text(i, 7) == "t", q.text(i, 8) == "t"});
      return out;
    });
  }

  StoreResult<SyncCounts> counts() override {
    return leased("cannot count the records", [&](Connection& db) -> StoreResult<SyncCounts> {
      Rows q = db.run("counts",
                       "SELECT (SELECT count(*) FROM sync_record), (SELECT count(*) FROM sync_check_in), "
                       "(SELECT count(*) FROM sync_check_in WHERE counted), (SELECT count(*) FROM sync_refused_scan), "
                      "(SELECT count(*) FROM sync_undo), (SELECT count(*) FROM sync_form)",
                      {});
      return SyncCounts{q.i64(0, 0), q.i64(0, 1), q.i64(0, 2), q.i64(0, 3), q.i64(0, 4), q.i64(0, 5)};
    });
  }

  StoreResult<std::vector<ServerForm>> forms(std::string_view form, std::optional<std::string> meeting) override {
    return leased("cannot read the forms", [&](Connection& db) -> StoreResult<std::vector<ServerForm>> {
      std::vector<ServerForm> out;
      Rows q = db.run("forms",
                      "SELECT f.record_id::text, f.device_id, f.form, f.form_version, f.meeting_id, f.language, "
                      "f.answers, f.original_ms, f.received_ms, r.skew_ms FROM sync_form f JOIN sync_record r "
                      "USING (record_id) WHERE f.form = $1 AND ($2::text IS NULL OR f.meeting_id = $2) "
                      "ORDER BY f.original_ms + r.skew_ms, f.record_id",
                      {std::string(form), meeting});
      for (int i = 0; i < q.size(); ++i) {
        ServerForm f{q.text(i, 0), q.text(i, 1), q.text(i, 2), q.i64(i, 3), std::nullopt, q.text(i, 5), q.text(i, 6),
                     q.i64(i, 7), q.i64(i, 8), q.i64(i, 9)};
        if (!q.is_null(i, 4)) f.meeting = q.text(i, 4);
        out.push_back(std::move(f));
      }
      return out;
    });
  }

 private:
  /// Runs `body` on a connection of its own, taken from the pool for the call (ensured open); a
  /// database failure becomes "what: why".
  template <class F>
  auto leased(const char* what, F&& body) -> decltype(body(std::declval<Connection&>())) {
    auto lease = pool_.take();
    Connection& db = *lease;
    try {
      db.ensure();
      return body(db);
    } catch (const SqlFault& f) {
      return Err{std::string(what) + ": " + f.message};
    }
  }

  Pool pool_;  // each call takes a connection of its own
};

}  // namespace

StoreResult<std::unique_ptr<SyncStore>> open_pg_sync_store(const std::string& conninfo, std::size_t connections) {
  if (sodium_init() < 0) return Err{std::string("cannot start libsodium")};
  auto store = std::make_unique<PgSyncStore>(conninfo, connections);
  if (auto r = store->setup(); !r) return Err{r.error()};
  return std::unique_ptr<SyncStore>(std::move(store));
}

}  // namespace cate

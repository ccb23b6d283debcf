#include "sync/admin/central_store.hpp"

#include "platform/sqlite/statement.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <fmt/format.h>

namespace cate {

namespace {

// The schema, one step a version: kMigrations[i] brings a store from version i to i + 1.
// Every step runs in one transaction with the PRAGMA user_version that records it.
// IDs are stored as the lowercase hex text they are written as everywhere else.
constexpr const char* kMigrations[] = {
    // Version 1: keys, meetings, RSVPs, revocations.
    R"sql(
CREATE TABLE signing_keys (
  key_id      TEXT PRIMARY KEY,  -- 8 hex digits derived from the public key; written by `init` / `key new`
  public_key  TEXT NOT NULL,     -- Ed25519 public key, base64; copied into bundles for kiosks
  secret_key  TEXT NOT NULL,     -- Ed25519 secret key, base64; signs tickets and bundles, never leaves this file
  created_at  INTEGER NOT NULL,  -- Unix seconds; written by `init` / `key new`; the newest key not retired signs
  retired_at  INTEGER            -- Unix seconds; written by `key retire`; NULL while the key is in use
) STRICT;

CREATE TABLE meetings (
  meeting_id  TEXT PRIMARY KEY,  -- 16 hex digits, random; written by `meeting add`
  name        TEXT NOT NULL,     -- shown to attendees on the kiosk; never an address; written by `meeting add`
  starts_at   INTEGER NOT NULL,  -- Unix seconds; written by `meeting add`
  ends_at     INTEGER NOT NULL,  -- Unix seconds, after starts_at; written by `meeting add`
  created_at  INTEGER NOT NULL,  -- Unix seconds; written by `meeting add`
  CHECK (ends_at > starts_at)
) STRICT;

CREATE TABLE rsvps (
  rsvp_id     TEXT PRIMARY KEY,  -- 16 hex digits, random; written by `rsvp add` / `rsvp import`
  meeting_id  TEXT NOT NULL REFERENCES meetings(meeting_id),  -- the meeting RSVPed to; written with the RSVP
  first_name  TEXT NOT NULL,     -- the only part of a name a kiosk may show; written by `rsvp add` / `rsvp import`
  last_name   TEXT NOT NULL,     -- may be empty; written by `rsvp add` / `rsvp import`
  email       TEXT NOT NULL,     -- for "find my RSVP"; may be empty; written by `rsvp add` / `rsvp import`
  serial      INTEGER NOT NULL DEFAULT 1 CHECK (serial BETWEEN 1 AND 65535),
                                 -- serial of the current ticket; 1 at first, raised by `ticket --reissue`
  created_at  INTEGER NOT NULL   -- Unix seconds; written with the RSVP
) STRICT;
CREATE INDEX rsvps_by_meeting ON rsvps(meeting_id);
-- One RSVP per e-mail address and meeting (ASCII case ignored); empty addresses do not count.
CREATE UNIQUE INDEX rsvps_email_per_meeting ON rsvps(meeting_id, lower(email)) WHERE email <> '';

CREATE TABLE revocations (
  rsvp_id     TEXT NOT NULL REFERENCES rsvps(rsvp_id),  -- the RSVP whose ticket is revoked; written by `revoke` / `ticket --reissue`
  serial      INTEGER NOT NULL,  -- which of its tickets; written by `revoke` / `ticket --reissue`
  revoked_at  INTEGER NOT NULL,  -- Unix seconds; written by `revoke` / `ticket --reissue`
  PRIMARY KEY (rsvp_id, serial)
) STRICT;
)sql",
    // Version 2: a change number on every row, so a pull can send only what changed since the
    // kiosk's cursor. Triggers write it, so no code path can forget: every insert or update of a
    // row takes the next number from office_change, and a removed RSVP leaves a tombstone.
    R"sql(
CREATE TABLE office_change (
  epoch  TEXT NOT NULL,     -- 16 hex digits, random, made with this table: cursors from another database are not ours
  seq    INTEGER NOT NULL   -- the newest change number; raised by the triggers below, read by cate-syncd's pull
) STRICT;
INSERT INTO office_change (epoch, seq) VALUES (lower(hex(randomblob(8))), 1);

ALTER TABLE signing_keys ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;  -- change number of its last write (trigger)
ALTER TABLE meetings     ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;  -- change number of its last write (trigger)
ALTER TABLE rsvps        ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;  -- change number of its last write (trigger)
ALTER TABLE revocations  ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;  -- change number of its last write (trigger)
CREATE INDEX rsvps_by_change ON rsvps(change_seq);

CREATE TABLE office_removal (
  kind        TEXT NOT NULL,     -- 'rsvp'; written by the trigger when `rsvp remove` deletes one
  id          TEXT NOT NULL,     -- the removed row's ID (16 hex digits)
  meeting_id  TEXT,              -- its meeting, if any
  change_seq  INTEGER NOT NULL   -- change number of the removal
) STRICT;
CREATE INDEX office_removal_by_change ON office_removal(change_seq);

CREATE TRIGGER signing_keys_changed_on_insert AFTER INSERT ON signing_keys BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE signing_keys SET change_seq = (SELECT seq FROM office_change) WHERE key_id = NEW.key_id;
END;
CREATE TRIGGER signing_keys_changed_on_update AFTER UPDATE OF public_key, retired_at ON signing_keys BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE signing_keys SET change_seq = (SELECT seq FROM office_change) WHERE key_id = NEW.key_id;
END;
CREATE TRIGGER meetings_changed_on_insert AFTER INSERT ON meetings BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE meetings SET change_seq = (SELECT seq FROM office_change) WHERE meeting_id = NEW.meeting_id;
END;
CREATE TRIGGER meetings_changed_on_update AFTER UPDATE OF name, starts_at, ends_at ON meetings BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE meetings SET change_seq = (SELECT seq FROM office_change) WHERE meeting_id = NEW.meeting_id;
END;
CREATE TRIGGER rsvps_changed_on_insert AFTER INSERT ON rsvps BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE rsvps SET change_seq = (SELECT seq FROM office_change) WHERE rsvp_id = NEW.rsvp_id;
END;
CREATE TRIGGER rsvps_changed_on_update AFTER UPDATE OF meeting_id, first_name, last_name, email, serial ON rsvps BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE rsvps SET change_seq = (SELECT seq FROM office_change) WHERE rsvp_id = NEW.rsvp_id;
END;
CREATE TRIGGER rsvps_removed AFTER DELETE ON rsvps BEGIN
  UPDATE office_change SET seq = seq + 1;
  INSERT INTO office_removal (kind, id, meeting_id, change_seq)
    VALUES ('rsvp', OLD.rsvp_id, OLD.meeting_id, (SELECT seq FROM office_change));
END;
CREATE TRIGGER revocations_changed_on_insert AFTER INSERT ON revocations BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE revocations SET change_seq = (SELECT seq FROM office_change)
    WHERE rsvp_id = NEW.rsvp_id AND serial = NEW.serial;
END;
)sql",
    // Version 3: form definitions the office hands to kiosks, with a change number like the rest.
    R"sql(
CREATE TABLE forms (
  form_id     TEXT PRIMARY KEY,              -- the form's ID ('ally_network'); written by `form set`
  version     INTEGER NOT NULL,              -- the definition's version; `form set` only raises it
  definition  TEXT NOT NULL,                 -- the definition's JSON, checked by `form set`; copied into bundles
  updated_at  INTEGER NOT NULL,              -- Unix seconds; written by `form set`
  change_seq  INTEGER NOT NULL DEFAULT 1     -- change number of its last write (trigger)
) STRICT;
CREATE TRIGGER forms_changed_on_insert AFTER INSERT ON forms BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE forms SET change_seq = (SELECT seq FROM office_change) WHERE form_id = NEW.form_id;
END;
CREATE TRIGGER forms_changed_on_update AFTER UPDATE OF version, definition ON forms BEGIN
  UPDATE office_change SET seq = seq + 1;
  UPDATE forms SET change_seq = (SELECT seq FROM office_change) WHERE form_id = NEW.form_id;
END;
)sql",
};
// cate-syncd's identity key: the same table server_identity.cpp has always kept in this file.
constexpr const char* kIdentitySchema = R"sql(
CREATE TABLE IF NOT EXISTS sync_identity (  -- one row: cate-syncd's long-term identity key
  secret_key    TEXT NOT NULL,              -- base64 Ed25519 secret key; signs every answer; never leaves this file
  created_at_ms INTEGER NOT NULL            -- when it was made (first cate-syncd start or first device add)
) STRICT
)sql";

constexpr int kMigrationCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kMigrationCount == kCentralSchemaVersion);

// One prepared statement (SQLite's result codes told apart: ok(), step_code()).
using Stmt = sql::Statement;

// The columns rsvp_from() reads, followed by `where`.
std::string rsvp_select(std::string_view where) {
  return fmt::format(
      "SELECT rsvp_id, meeting_id, first_name, last_name, email, serial, created_at FROM rsvps {}",
      where);
}

class SqliteCentralStore final : public CentralStore {
 public:
  SqliteCentralStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteCentralStore() override { sqlite3_close_v2(db_); }

  StoreDone setup() {
    sqlite3_busy_timeout(db_, 5000);
    if (auto r = exec("PRAGMA foreign_keys = ON"); !r) return r;
    {
      Stmt wal(db_, "PRAGMA journal_mode = WAL");
      if (!wal.ok() || wal.step_code() != SQLITE_ROW || wal.text(0) != "wal")
        return fail("cannot switch the database to WAL mode");
    }
    if (auto r = exec("PRAGMA synchronous = FULL"); !r) return r;
    return migrate();
  }

  int schema_version() override {
    Stmt s(db_, "PRAGMA user_version");
    if (!s.ok() || s.step_code() != SQLITE_ROW) return -1;
    return static_cast<int>(s.i64(0));
  }

  // ---- keys ----

  StoreResult<SigningKeyRecord> add_signing_key(const SecretKey& key, std::int64_t now) override {
    SigningKeyRecord rec;
    rec.secret_key = key;
    rec.public_key = key.public_key();
    rec.id = rec.public_key.id();
    rec.created_at = now;
    Stmt s(db_,
           "INSERT INTO signing_keys (key_id, public_key, secret_key, created_at) "
           "VALUES (?1, ?2, ?3, ?4)");
    if (!s.ok()) return Err{error_text("cannot store the key")};
    s.bind(1, key_id_str(rec.id));
    s.bind(2, rec.public_key.base64());
    s.bind(3, key.base64());
    s.bind(4, now);
    int rc = s.step_code();
    if (rc == SQLITE_CONSTRAINT)
      return Err{fmt::format("key {} is already stored", key_id_str(rec.id))};
    if (rc != SQLITE_DONE) return Err{error_text("cannot store the key")};
    return rec;
  }

  StoreResult<std::vector<SigningKeyRecord>> signing_keys() override {
    return read_keys("SELECT key_id, public_key, secret_key, created_at, retired_at "
                     "FROM signing_keys ORDER BY created_at, rowid");
  }

  StoreResult<std::optional<SigningKeyRecord>> current_signing_key() override {
    auto keys = read_keys("SELECT key_id, public_key, secret_key, created_at, retired_at "
                          "FROM signing_keys WHERE retired_at IS NULL "
                          "ORDER BY created_at DESC, rowid DESC LIMIT 1");
    if (!keys) return Err{keys.error()};
    if (keys->empty()) return std::optional<SigningKeyRecord>();
    return std::optional<SigningKeyRecord>(keys->front());
  }

  StoreDone retire_signing_key(KeyId id, std::int64_t now) override {
    Stmt find(db_, "SELECT retired_at FROM signing_keys WHERE key_id = ?1");
    if (!find.ok()) return fail("cannot read the keys");
    find.bind(1, key_id_str(id));
    int rc = find.step_code();
    if (rc == SQLITE_DONE) return Err{fmt::format("there is no key {}", key_id_str(id))};
    if (rc != SQLITE_ROW) return fail("cannot read the keys");
    if (!find.is_null(0)) return Err{fmt::format("key {} is already retired", key_id_str(id))};
    Stmt s(db_, "UPDATE signing_keys SET retired_at = ?2 WHERE key_id = ?1 AND retired_at IS NULL");
    if (!s.ok()) return fail("cannot retire the key");
    s.bind(1, key_id_str(id));
    s.bind(2, now);
    if (s.step_code() != SQLITE_DONE) return fail("cannot retire the key");
    return std::monostate{};
  }

  // ---- meetings ----

  StoreResult<Meeting> add_meeting(std::string_view name, std::int64_t starts_at,
                                   std::int64_t ends_at, std::int64_t now) override {
    if (ends_at <= starts_at) return Err{std::string("a meeting must end after it starts")};
    for (int attempt = 0; attempt < 5; ++attempt) {
      Meeting m{MeetingId::random(), std::string(name), starts_at, ends_at};
      Stmt s(db_,
             "INSERT INTO meetings (meeting_id, name, starts_at, ends_at, created_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5)");
      if (!s.ok()) return Err{error_text("cannot store the meeting")};
      s.bind(1, m.id.str());
      s.bind(2, m.name);
      s.bind(3, starts_at);
      s.bind(4, ends_at);
      s.bind(5, now);
      int rc = s.step_code();
      if (rc == SQLITE_DONE) return m;
      if (rc != SQLITE_CONSTRAINT) return Err{error_text("cannot store the meeting")};
      // The random ID was taken (about once in 2^64): draw another.
    }
    return Err{std::string("cannot find a free meeting ID")};
  }

  StoreResult<std::optional<Meeting>> find_meeting(MeetingId id) override {
    Stmt s(db_, "SELECT meeting_id, name, starts_at, ends_at FROM meetings WHERE meeting_id = ?1");
    if (!s.ok()) return Err{error_text("cannot read the meetings")};
    s.bind(1, id.str());
    int rc = s.step_code();
    if (rc == SQLITE_DONE) return std::optional<Meeting>();
    if (rc != SQLITE_ROW) return Err{error_text("cannot read the meetings")};
    return std::optional<Meeting>(meeting_from(s));
  }

  StoreResult<std::vector<Meeting>> meetings() override {
    Stmt s(db_, "SELECT meeting_id, name, starts_at, ends_at FROM meetings ORDER BY starts_at, rowid");
    if (!s.ok()) return Err{error_text("cannot read the meetings")};
    std::vector<Meeting> out;
    int rc;
    while ((rc = s.step_code()) == SQLITE_ROW) out.push_back(meeting_from(s));
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the meetings")};
    return out;
  }

  // ---- RSVPs ----

  StoreResult<std::vector<RsvpRecord>> add_rsvps(MeetingId meeting, const std::vector<NewRsvp>& rsvps,
                                                 std::int64_t now) override {
    auto found = find_meeting(meeting);
    if (!found) return Err{found.error()};
    if (!*found) return Err{fmt::format("there is no meeting {}", meeting.str())};
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    std::vector<RsvpRecord> out;
    out.reserve(rsvps.size());
    {
      Stmt s(db_,
             "INSERT INTO rsvps (rsvp_id, meeting_id, first_name, last_name, email, serial, "
             "created_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)");
      Stmt taken(db_, "SELECT 1 FROM rsvps WHERE rsvp_id = ?1");
      if (!s.ok() || !taken.ok()) return rollback("cannot store the RSVPs");
      for (const auto& n : rsvps) {
        RsvpRecord rec;
        rec.rsvp.meeting = meeting;
        rec.rsvp.first_name = n.first_name;
        rec.rsvp.last_name = n.last_name;
        rec.rsvp.email = n.email;
        rec.created_at = now;
        // A fresh random ID; drawn again in the (about once in 2^64) case it is taken.
        for (int attempt = 0;; ++attempt) {
          rec.rsvp.id = RsvpId::random();
          taken.reset();
          taken.bind(1, rec.rsvp.id.str());
          int rc = taken.step_code();
          if (rc == SQLITE_DONE) break;
          if (rc != SQLITE_ROW || attempt > 5) return rollback("cannot find a free RSVP ID");
        }
        s.reset();
        s.bind(1, rec.rsvp.id.str());
        s.bind(2, meeting.str());
        s.bind(3, n.first_name);
        s.bind(4, n.last_name);
        s.bind(5, n.email);
        s.bind(6, now);
        int rc = s.step_code();
        if (rc == SQLITE_CONSTRAINT && !n.email.empty())
          return rollback_with(fmt::format("email {} already has an RSVP for this meeting", n.email));
        if (rc != SQLITE_DONE) return rollback("cannot store the RSVPs");
        out.push_back(std::move(rec));
      }
    }
    if (auto r = exec("COMMIT"); !r) return rollback("cannot store the RSVPs");
    return out;
  }

  StoreResult<std::optional<RsvpRecord>> find_rsvp(RsvpId id) override {
    Stmt s(db_, rsvp_select("WHERE rsvp_id = ?1").c_str());
    if (!s.ok()) return Err{error_text("cannot read the RSVPs")};
    s.bind(1, id.str());
    return one_rsvp(s);
  }

  StoreResult<std::optional<RsvpRecord>> find_rsvp_by_email(MeetingId meeting,
                                                            std::string_view email) override {
    if (email.empty()) return std::optional<RsvpRecord>();
    Stmt s(db_, rsvp_select("WHERE meeting_id = ?1 AND lower(email) = lower(?2) AND email <> ''")
                    .c_str());
    if (!s.ok()) return Err{error_text("cannot read the RSVPs")};
    s.bind(1, meeting.str());
    s.bind(2, email);
    return one_rsvp(s);
  }

  StoreResult<std::vector<RsvpRecord>> rsvps_for_meeting(MeetingId meeting) override {
    Stmt s(db_, rsvp_select("WHERE meeting_id = ?1 ORDER BY created_at, rowid").c_str());
    if (!s.ok()) return Err{error_text("cannot read the RSVPs")};
    s.bind(1, meeting.str());
    std::vector<RsvpRecord> out;
    int rc;
    while ((rc = s.step_code()) == SQLITE_ROW) {
      auto rec = rsvp_from(s);
      if (!rec) return Err{rec.error()};
      out.push_back(std::move(*rec));
    }
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the RSVPs")};
    return out;
  }

  // ---- revocations ----

  StoreResult<bool> revoke_ticket(TicketRef ticket, std::int64_t now) override {
    Stmt s(db_,
           "INSERT INTO revocations (rsvp_id, serial, revoked_at) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (rsvp_id, serial) DO NOTHING");
    if (!s.ok()) return Err{error_text("cannot store the revocation")};
    s.bind(1, ticket.rsvp.str());
    s.bind(2, static_cast<std::int64_t>(ticket.serial));
    s.bind(3, now);
    int rc = s.step_code();
    if (rc == SQLITE_CONSTRAINT) return Err{fmt::format("there is no RSVP {}", ticket.rsvp.str())};
    if (rc != SQLITE_DONE) return Err{error_text("cannot store the revocation")};
    return sqlite3_changes(db_) > 0;
  }

  StoreResult<std::optional<Revocation>> find_revocation(TicketRef ticket) override {
    Stmt s(db_, "SELECT rsvp_id, serial, revoked_at FROM revocations WHERE rsvp_id = ?1 AND serial = ?2");
    if (!s.ok()) return Err{error_text("cannot read the revocations")};
    s.bind(1, ticket.rsvp.str());
    s.bind(2, static_cast<std::int64_t>(ticket.serial));
    int rc = s.step_code();
    if (rc == SQLITE_DONE) return std::optional<Revocation>();
    if (rc != SQLITE_ROW) return Err{error_text("cannot read the revocations")};
    auto r = revocation_from(s);
    if (!r) return Err{r.error()};
    return std::optional<Revocation>(*r);
  }

  StoreResult<std::vector<Revocation>> revocations_for_meeting(MeetingId meeting) override {
    Stmt s(db_,
           "SELECT v.rsvp_id, v.serial, v.revoked_at FROM revocations v "
           "JOIN rsvps r ON r.rsvp_id = v.rsvp_id WHERE r.meeting_id = ?1 "
           "ORDER BY v.revoked_at, v.rowid");
    if (!s.ok()) return Err{error_text("cannot read the revocations")};
    s.bind(1, meeting.str());
    std::vector<Revocation> out;
    int rc;
    while ((rc = s.step_code()) == SQLITE_ROW) {
      auto r = revocation_from(s);
      if (!r) return Err{r.error()};
      out.push_back(*r);
    }
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the revocations")};
    return out;
  }

  StoreResult<std::uint16_t> reissue_ticket(RsvpId rsvp, std::int64_t now) override {
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    auto found = find_rsvp(rsvp);
    if (!found) return rollback_with(found.error());
    if (!*found) return rollback_with(fmt::format("there is no RSVP {}", rsvp.str()));
    std::uint16_t serial = (*found)->serial;
    if (serial == 0xFFFF)
      return rollback_with(fmt::format("RSVP {} has had 65535 tickets; make a new RSVP", rsvp.str()));
    auto revoked = revoke_ticket(TicketRef{rsvp, serial}, now);
    if (!revoked) return rollback_with(revoked.error());
    Stmt s(db_, "UPDATE rsvps SET serial = ?2 WHERE rsvp_id = ?1");
    if (!s.ok()) return rollback("cannot reissue the ticket");
    s.bind(1, rsvp.str());
    s.bind(2, static_cast<std::int64_t>(serial + 1));
    if (s.step_code() != SQLITE_DONE) return rollback("cannot reissue the ticket");
    if (auto r = exec("COMMIT"); !r) return rollback("cannot reissue the ticket");
    return static_cast<std::uint16_t>(serial + 1);
  }

  StoreResult<CentralPurge> purge_personal_data(std::int64_t ended_before) override {
    CentralPurge out;
    // Wiped text is overwritten in the file too, not left in free pages.
    if (auto r = exec("PRAGMA secure_delete = ON"); !r) return Err{r.error()};
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    Stmt m(db_,
           "SELECT count(DISTINCT r.meeting_id) FROM rsvps r JOIN meetings m ON m.meeting_id = r.meeting_id "
           "WHERE m.ends_at < ?1 AND (r.first_name <> '' OR r.last_name <> '' OR r.email <> '')");
    if (!m.ok()) return rollback("cannot purge personal data");
    m.bind(1, ended_before);
    if (m.step_code() != SQLITE_ROW) return rollback("cannot purge personal data");
    out.meetings = m.i64(0);
    Stmt w(db_,
           "UPDATE rsvps SET first_name = '', last_name = '', email = '' WHERE meeting_id IN "
           "(SELECT meeting_id FROM meetings WHERE ends_at < ?1) "
           "AND (first_name <> '' OR last_name <> '' OR email <> '')");
    if (!w.ok()) return rollback("cannot purge personal data");
    w.bind(1, ended_before);
    if (w.step_code() != SQLITE_DONE) return rollback("cannot purge personal data");
    out.rsvps = sqlite3_changes(db_);
    if (auto r = exec("COMMIT"); !r) return rollback("cannot purge personal data");
    // The old text also sits in the write-ahead log until a checkpoint: take it now (best effort).
    if (out.rsvps > 0) sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    return out;
  }

  std::string location() const override { return path_; }

  StoreResult<bool> remove_rsvp(RsvpId rsvp) override {
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    Stmt v(db_, "DELETE FROM revocations WHERE rsvp_id = ?1");
    if (!v.ok()) return rollback("cannot remove the RSVP");
    v.bind(1, rsvp.str());
    if (v.step_code() != SQLITE_DONE) return rollback("cannot remove the RSVP");
    Stmt d(db_, "DELETE FROM rsvps WHERE rsvp_id = ?1");
    if (!d.ok()) return rollback("cannot remove the RSVP");
    d.bind(1, rsvp.str());
    if (d.step_code() != SQLITE_DONE) return rollback("cannot remove the RSVP");
    bool removed = sqlite3_changes(db_) > 0;
    if (auto r = exec("COMMIT"); !r) return rollback("cannot remove the RSVP");
    return removed;
  }

  StoreDone set_form(const OfficeForm& form) override {
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    Stmt q(db_, "SELECT version FROM forms WHERE form_id = ?1");
    if (!q.ok()) return rollback("cannot store the form");
    q.bind(1, form.id);
    int rc = q.step_code();
    if (rc == SQLITE_ROW && q.i64(0) >= form.version)
      return rollback_with(fmt::format("form {}: the office already has version {}; a changed form needs a "
                                       "higher \"version\" than that (this file has {})",
                                       form.id, q.i64(0), form.version));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rollback("cannot store the form");
    Stmt s(db_, "INSERT INTO forms (form_id, version, definition, updated_at) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT(form_id) DO UPDATE SET version = excluded.version, definition = excluded.definition, "
                "updated_at = excluded.updated_at");
    if (!s.ok()) return rollback("cannot store the form");
    s.bind(1, form.id);
    s.bind(2, std::int64_t{form.version});
    s.bind(3, form.definition);
    s.bind(4, form.updated_at);
    if (s.step_code() != SQLITE_DONE) return rollback("cannot store the form");
    if (auto r = exec("COMMIT"); !r) return rollback("cannot store the form");
    return std::monostate{};
  }

  StoreResult<std::vector<OfficeForm>> forms() override {
    Stmt s(db_, "SELECT form_id, version, definition, updated_at FROM forms ORDER BY form_id");
    if (!s.ok()) return Err{error_text("cannot read the forms")};
    std::vector<OfficeForm> out;
    int rc;
    while ((rc = s.step_code()) == SQLITE_ROW)
      out.push_back({s.text(0), static_cast<int>(s.i64(1)), s.text(2), s.i64(3)});
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the forms")};
    return out;
  }

  StoreResult<OfficeChanges> changes_since(std::int64_t since, std::int64_t ends_after) override {
    // One read transaction: the change number and the rows are one snapshot.
    if (auto r = exec("BEGIN"); !r) return Err{r.error()};
    auto out = read_changes(since, ends_after);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    return out;
  }

  StoreResult<std::optional<SecretKey>> server_identity(bool create) override {
    // The table cate-syncd has always used (server_identity.cpp): one row, made on first use.
    if (auto r = exec(kIdentitySchema); !r) return Err{r.error()};
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return Err{r.error()};
    Stmt q(db_, "SELECT secret_key FROM sync_identity LIMIT 1");
    if (!q.ok()) return rollback("cannot read the server's identity key");
    int rc = q.step_code();
    if (rc == SQLITE_ROW) {
      auto key = SecretKey::from_base64(q.text(0));
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
      if (!key) return Err{fmt::format("{}: the server's identity key is damaged", path_)};
      return std::optional<SecretKey>(*key);
    }
    if (rc != SQLITE_DONE) return rollback("cannot read the server's identity key");
    if (!create) {
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
      return std::optional<SecretKey>();
    }
    SecretKey fresh = SecretKey::generate();
    Stmt ins(db_, "INSERT INTO sync_identity (secret_key, created_at_ms) VALUES (?1, ?2)");
    if (!ins.ok()) return rollback("cannot keep the server's identity key");
    ins.bind(1, fresh.base64());
    ins.bind(2, static_cast<std::int64_t>(std::time(nullptr)) * 1000);
    if (ins.step_code() != SQLITE_DONE) return rollback("cannot keep the server's identity key");
    if (auto r = exec("COMMIT"); !r) return rollback("cannot keep the server's identity key");
    return std::optional<SecretKey>(fresh);
  }

 private:
  std::string error_text(std::string_view what) const {
    return fmt::format("{}: {} ({})", path_, what, sqlite3_errmsg(db_));
  }
  StoreDone fail(std::string_view what) const { return Err{error_text(what)}; }

  StoreDone exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = fmt::format("{}: {}", path_, message ? message : "database error");
      sqlite3_free(message);
      return Err{text};
    }
    return std::monostate{};
  }

  // Undo the open transaction and report `what` (with SQLite's reason).
  Err<std::string> rollback(std::string_view what) {
    std::string text = error_text(what);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Err{text};
  }
  Err<std::string> rollback_with(std::string message) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Err{std::move(message)};
  }

  StoreDone migrate() {
    int version = schema_version();
    if (version < 0) return fail("cannot read the schema version");
    if (version > kCentralSchemaVersion)
      return Err{fmt::format("{} was made by a newer cate-admin (schema version {}; this one knows "
                             "up to {}): use the newer cate-admin",
                             path_, version, kCentralSchemaVersion)};
    for (int v = version; v < kMigrationCount; ++v) {
      if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
      if (auto r = exec(kMigrations[v]); !r) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return Err{fmt::format("cannot bring the database to schema version {}: {}", v + 1, r.error())};
      }
      std::string set = fmt::format("PRAGMA user_version = {}", v + 1);
      if (auto r = exec(set.c_str()); !r) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return r;
      }
      if (auto r = exec("COMMIT"); !r) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return r;
      }
    }
    return std::monostate{};
  }

  StoreResult<OfficeChanges> read_changes(std::int64_t since, std::int64_t ends_after) {
    OfficeChanges out;
    {
      Stmt c(db_, "SELECT epoch, seq FROM office_change");
      if (!c.ok() || c.step_code() != SQLITE_ROW) return Err{error_text("cannot read the change count")};
      out.epoch = c.text(0);
      out.seq = c.i64(1);
    }
    Stmt m(db_, "SELECT meeting_id, name, starts_at, ends_at FROM meetings "
                "WHERE change_seq > ?1 AND ends_at >= ?2 ORDER BY starts_at, rowid");
    if (!m.ok()) return Err{error_text("cannot read the meetings")};
    m.bind(1, since);
    m.bind(2, ends_after);
    int rc;
    while ((rc = m.step_code()) == SQLITE_ROW) out.meetings.push_back(meeting_from(m));
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the meetings")};
    Stmt r(db_, "SELECT r.rsvp_id, r.meeting_id, r.first_name, r.last_name, r.email, r.serial, r.created_at "
                "FROM rsvps r JOIN meetings m ON m.meeting_id = r.meeting_id "
                "WHERE r.change_seq > ?1 AND m.ends_at >= ?2 ORDER BY r.created_at, r.rowid");
    if (!r.ok()) return Err{error_text("cannot read the RSVPs")};
    r.bind(1, since);
    r.bind(2, ends_after);
    while ((rc = r.step_code()) == SQLITE_ROW) {
      auto rec = rsvp_from(r);
      if (!rec) return Err{rec.error()};
      out.rsvps.push_back(rec->rsvp);
    }
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the RSVPs")};
    Stmt v(db_, "SELECT v.rsvp_id, v.serial, v.revoked_at FROM revocations v "
                "JOIN rsvps r ON r.rsvp_id = v.rsvp_id JOIN meetings m ON m.meeting_id = r.meeting_id "
                "WHERE v.change_seq > ?1 AND m.ends_at >= ?2 ORDER BY v.revoked_at, v.rowid");
    if (!v.ok()) return Err{error_text("cannot read the revocations")};
    v.bind(1, since);
    v.bind(2, ends_after);
    while ((rc = v.step_code()) == SQLITE_ROW) {
      auto rev = revocation_from(v);
      if (!rev) return Err{rev.error()};
      out.revocations.push_back(*rev);
    }
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the revocations")};
    {
      // Forms are few and small: when any changed, all of them go.
      Stmt f(db_, "SELECT definition FROM forms WHERE EXISTS (SELECT 1 FROM forms WHERE change_seq > ?1) "
                  "ORDER BY form_id");
      if (!f.ok()) return Err{error_text("cannot read the forms")};
      f.bind(1, since);
      while ((rc = f.step_code()) == SQLITE_ROW) out.forms.push_back(f.text(0));
      if (rc != SQLITE_DONE) return Err{error_text("cannot read the forms")};
    }
    if (since > 0) {
      Stmt t(db_, "SELECT id FROM office_removal WHERE kind = 'rsvp' AND change_seq > ?1 ORDER BY change_seq");
      if (!t.ok()) return Err{error_text("cannot read the removals")};
      t.bind(1, since);
      while ((rc = t.step_code()) == SQLITE_ROW)
        if (auto id = RsvpId::parse(t.text(0))) out.removed_rsvps.push_back(*id);
      if (rc != SQLITE_DONE) return Err{error_text("cannot read the removals")};
    }
    return out;
  }

  StoreResult<std::vector<SigningKeyRecord>> read_keys(const char* sql) {
    Stmt s(db_, sql);
    if (!s.ok()) return Err{error_text("cannot read the keys")};
    std::vector<SigningKeyRecord> out;
    int rc;
    while ((rc = s.step_code()) == SQLITE_ROW) {
      SigningKeyRecord rec;
      auto id = parse_key_id(s.text(0));
      auto pub = PublicKey::from_base64(s.text(1));
      auto sec = SecretKey::from_base64(s.text(2));
      if (!id || !pub || !sec || pub->id() != *id || !(sec->public_key() == *pub))
        return Err{fmt::format("{}: signing key {} is damaged", path_, s.text(0))};
      rec.id = *id;
      rec.public_key = *pub;
      rec.secret_key = *sec;
      rec.created_at = s.i64(3);
      if (!s.is_null(4)) rec.retired_at = s.i64(4);
      out.push_back(rec);
    }
    if (rc != SQLITE_DONE) return Err{error_text("cannot read the keys")};
    return out;
  }

  static Meeting meeting_from(const Stmt& s) {
    Meeting m;
    m.id = MeetingId::parse(s.text(0)).value_or(MeetingId{});
    m.name = s.text(1);
    m.starts_at = s.i64(2);
    m.ends_at = s.i64(3);
    return m;
  }

  StoreResult<RsvpRecord> rsvp_from(const Stmt& s) const {
    auto id = RsvpId::parse(s.text(0));
    auto meeting = MeetingId::parse(s.text(1));
    std::int64_t serial = s.i64(5);
    if (!id || !meeting || serial < 1 || serial > 0xFFFF)
      return Err{fmt::format("{}: RSVP {} is damaged", path_, s.text(0))};
    RsvpRecord rec;
    rec.rsvp.id = *id;
    rec.rsvp.meeting = *meeting;
    rec.rsvp.first_name = s.text(2);
    rec.rsvp.last_name = s.text(3);
    rec.rsvp.email = s.text(4);
    rec.serial = static_cast<std::uint16_t>(serial);
    rec.created_at = s.i64(6);
    return rec;
  }

  StoreResult<std::optional<RsvpRecord>> one_rsvp(Stmt& s) const {
    int rc = s.step_code();
    if (rc == SQLITE_DONE) return std::optional<RsvpRecord>();
    if (rc != SQLITE_ROW) return Err{error_text("cannot read the RSVPs")};
    auto rec = rsvp_from(s);
    if (!rec) return Err{rec.error()};
    return std::optional<RsvpRecord>(std::move(*rec));
  }

  StoreResult<Revocation> revocation_from(const Stmt& s) const {
    auto id = RsvpId::parse(s.text(0));
    std::int64_t serial = s.i64(1);
    if (!id || serial < 1 || serial > 0xFFFF)
      return Err{fmt::format("{}: a revocation for {} is damaged", path_, s.text(0))};
    return Revocation{TicketRef{*id, static_cast<std::uint16_t>(serial)}, s.i64(2)};
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

StoreResult<std::unique_ptr<CentralStore>> open_sqlite_central_store(const std::string& path,
                                                                     OpenMode mode) {
  try {
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (!exists) {
      if (mode == OpenMode::MustExist) return Err{fmt::format("no database at {}", path)};
      // Made here with mode 0600 before SQLite sees it: the file holds secret keys. SQLite gives
      // its -wal and -shm files the same mode.
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        return Err{fmt::format("cannot create {}: {}", path, std::strerror(errno))};
      if (fd >= 0) ::close(fd);
    } else {
      if (S_ISDIR(st.st_mode)) return Err{fmt::format("{} is a folder, not a database file", path)};
      if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0)
        return Err{fmt::format("{} can be read by other users and its mode cannot be changed: {}",
                               path, std::strerror(errno))};
    }

    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = fmt::format("cannot open {}: {}", path, db ? sqlite3_errmsg(db) : "out of memory");
      sqlite3_close_v2(db);
      return Err{message};
    }
    auto store = std::make_unique<SqliteCentralStore>(db, path);
    if (auto r = store->setup(); !r) {
      std::string message = r.error();
      if (message.find("not a database") != std::string::npos)
        message = fmt::format("{} is not a cate-admin database (not an SQLite file)", path);
      return Err{message};
    }
    return std::unique_ptr<CentralStore>(std::move(store));
  } catch (const std::exception& e) {
    return Err{fmt::format("cannot open {}: {}", path, e.what())};
  }
}

}  // namespace cate

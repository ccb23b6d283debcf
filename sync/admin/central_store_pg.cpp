// The office's central store on PostgreSQL (libpq): what the office runs in production, beside
// cate-syncd's sync tables in the same database.
//
// [SECTION] Schema     the office's tables, a comment on every column, change tracking
// [SECTION] Helpers    one connection, parameters, transactions
// [SECTION] Store      keys, meetings, RSVPs, revocations, changes, identity
//
// The answers are the SQLite store's (central_store.cpp), call for call; the tests run the same
// cases on both. Change numbers come from one row (office_change) that every write updates in its
// own transaction, so writers take turns on that row and numbers are handed out in commit order:
// a reader that saw change N has seen every change up to N.
#include <libpq-fe.h>
#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "sync/admin/central_store.hpp"
#include "sync/admin/pg_connection.hpp"

namespace cate {

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Schema
// kOfficeMigrations[i] brings the office's tables from version i to i + 1 (kept in
// office_schema); entries are never edited once released. Version numbers are the SQLite
// store's (kCentralSchemaVersion): version 1 there had no change numbers, so here the first
// step makes everything and the second has nothing left to do.
// ---------------------------------------------------------------------------------------------
constexpr const char* kOfficeMigrations[] = {
    R"sql(
CREATE TABLE office_change (
  epoch text NOT NULL,
  seq   bigint NOT NULL
);
COMMENT ON TABLE office_change IS 'One row: the office''s change count; every write to the tables below takes the next number (triggers)';
COMMENT ON COLUMN office_change.epoch IS '16 hex digits, random, made with the table: a pull cursor from another database is not ours';
COMMENT ON COLUMN office_change.seq IS 'the newest change number; raised by the triggers, read by cate-syncd''s pull';
INSERT INTO office_change (epoch, seq) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16), 1);

CREATE FUNCTION office_next_change() RETURNS bigint LANGUAGE sql AS
  'UPDATE office_change SET seq = seq + 1 RETURNING seq';
CREATE FUNCTION office_mark_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := office_next_change();
  RETURN NEW;
END $$;
CREATE FUNCTION office_mark_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO office_removal (kind, id, meeting_id, change_seq)
    VALUES ('rsvp', OLD.rsvp_id, OLD.meeting_id, office_next_change());
  RETURN OLD;
END $$;

CREATE TABLE signing_keys (
  key_id      text PRIMARY KEY,
  public_key  text NOT NULL,
  secret_key  text NOT NULL,
  created_at  bigint NOT NULL,
  retired_at  bigint,
  change_seq  bigint NOT NULL DEFAULT 0,
  added_order bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE signing_keys IS 'The office''s ticket and bundle signing keys; written by cate-admin init / key new / key retire';
COMMENT ON COLUMN signing_keys.key_id IS '8 hex digits derived from the public key';
COMMENT ON COLUMN signing_keys.public_key IS 'Ed25519 public key, base64; copied into bundles for kiosks';
COMMENT ON COLUMN signing_keys.secret_key IS 'Ed25519 secret key, base64; signs tickets and bundles; never leaves the office';
COMMENT ON COLUMN signing_keys.created_at IS 'Unix seconds; the newest key not retired signs';
COMMENT ON COLUMN signing_keys.retired_at IS 'Unix seconds, written by key retire; NULL while the key is in use';
COMMENT ON COLUMN signing_keys.change_seq IS 'change number of the row''s last write (trigger)';
COMMENT ON COLUMN signing_keys.added_order IS 'insertion order, to list keys made in the same second';
CREATE TRIGGER signing_keys_changed BEFORE INSERT OR UPDATE OF public_key, retired_at ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION office_mark_change();

CREATE TABLE meetings (
  meeting_id  text PRIMARY KEY,
  name        text NOT NULL,
  starts_at   bigint NOT NULL,
  ends_at     bigint NOT NULL,
  created_at  bigint NOT NULL,
  change_seq  bigint NOT NULL DEFAULT 0,
  added_order bigint GENERATED ALWAYS AS IDENTITY,
  CHECK (ends_at > starts_at)
);
COMMENT ON TABLE meetings IS 'Meetings, never with an address; written by cate-admin meeting add';
COMMENT ON COLUMN meetings.meeting_id IS '16 hex digits, random';
COMMENT ON COLUMN meetings.name IS 'shown to attendees on the kiosk; never an address';
COMMENT ON COLUMN meetings.starts_at IS 'Unix seconds';
COMMENT ON COLUMN meetings.ends_at IS 'Unix seconds, after starts_at';
COMMENT ON COLUMN meetings.created_at IS 'Unix seconds, when cate-admin added it';
COMMENT ON COLUMN meetings.change_seq IS 'change number of the row''s last write (trigger)';
COMMENT ON COLUMN meetings.added_order IS 'insertion order, to list meetings with the same start';
CREATE TRIGGER meetings_changed BEFORE INSERT OR UPDATE OF name, starts_at, ends_at ON meetings
  FOR EACH ROW EXECUTE FUNCTION office_mark_change();

CREATE TABLE rsvps (
  rsvp_id     text PRIMARY KEY,
  meeting_id  text NOT NULL REFERENCES meetings(meeting_id),
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  email       text NOT NULL,
  serial      integer NOT NULL DEFAULT 1 CHECK (serial BETWEEN 1 AND 65535),
  created_at  bigint NOT NULL,
  change_seq  bigint NOT NULL DEFAULT 0,
  added_order bigint GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE rsvps IS 'The roster: personal data, wiped by cate-admin purge after the meeting; written by cate-admin rsvp add / import';
COMMENT ON COLUMN rsvps.rsvp_id IS '16 hex digits, random; what tickets name';
COMMENT ON COLUMN rsvps.meeting_id IS 'the meeting RSVPed to';
COMMENT ON COLUMN rsvps.first_name IS 'the only part of a name a kiosk may show';
COMMENT ON COLUMN rsvps.last_name IS 'may be empty';
COMMENT ON COLUMN rsvps.email IS 'for "find my RSVP"; may be empty';
COMMENT ON COLUMN rsvps.serial IS 'serial of the current ticket; 1 at first, raised by ticket --reissue';
COMMENT ON COLUMN rsvps.created_at IS 'Unix seconds, when the RSVP was added';
COMMENT ON COLUMN rsvps.change_seq IS 'change number of the row''s last write (trigger)';
COMMENT ON COLUMN rsvps.added_order IS 'insertion order: RSVPs are listed in the order they were added';
CREATE INDEX rsvps_by_meeting ON rsvps(meeting_id);
CREATE INDEX rsvps_by_change ON rsvps(change_seq);
CREATE UNIQUE INDEX rsvps_email_per_meeting ON rsvps(meeting_id, lower(email COLLATE "C")) WHERE email <> '';
CREATE TRIGGER rsvps_changed BEFORE INSERT OR UPDATE OF meeting_id, first_name, last_name, email, serial ON rsvps
  FOR EACH ROW EXECUTE FUNCTION office_mark_change();

CREATE TABLE revocations (
  rsvp_id     text NOT NULL REFERENCES rsvps(rsvp_id),
  serial      integer NOT NULL,
  revoked_at  bigint NOT NULL,
  change_seq  bigint NOT NULL DEFAULT 0,
  added_order bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (rsvp_id, serial)
);
COMMENT ON TABLE revocations IS 'Tickets the office withdrew; written by cate-admin revoke / ticket --reissue';
COMMENT ON COLUMN revocations.rsvp_id IS 'the RSVP whose ticket is revoked';
COMMENT ON COLUMN revocations.serial IS 'which of its tickets';
COMMENT ON COLUMN revocations.revoked_at IS 'Unix seconds';
COMMENT ON COLUMN revocations.change_seq IS 'change number of the row''s last write (trigger)';
COMMENT ON COLUMN revocations.added_order IS 'insertion order, for revocations in the same second';
CREATE TRIGGER revocations_changed BEFORE INSERT ON revocations
  FOR EACH ROW EXECUTE FUNCTION office_mark_change();

CREATE TABLE office_removal (
  kind        text NOT NULL,
  id          text NOT NULL,
  meeting_id  text,
  change_seq  bigint NOT NULL
);
COMMENT ON TABLE office_removal IS 'Tombstones: rows removed, so a pull of changes removes them on kiosks too; written by a trigger';
COMMENT ON COLUMN office_removal.kind IS 'rsvp';
COMMENT ON COLUMN office_removal.id IS 'the removed row''s ID (16 hex digits)';
COMMENT ON COLUMN office_removal.meeting_id IS 'its meeting';
COMMENT ON COLUMN office_removal.change_seq IS 'change number of the removal';
CREATE INDEX office_removal_by_change ON office_removal(change_seq);
CREATE TRIGGER rsvps_removed AFTER DELETE ON rsvps FOR EACH ROW EXECUTE FUNCTION office_mark_removal();

CREATE TABLE server_identity (
  secret_key    text NOT NULL,
  created_at_ms bigint NOT NULL
);
COMMENT ON TABLE server_identity IS 'One row: cate-syncd''s long-term identity key (not a ticket key); made by the first cate-syncd start or device add';
COMMENT ON COLUMN server_identity.secret_key IS 'base64 Ed25519 secret key; signs every answer, opens sealed forms and USB exports; never leaves the office';
COMMENT ON COLUMN server_identity.created_at_ms IS 'Unix ms when it was made';
)sql",
    // Version 2 is the SQLite store's change tracking, already made above.
    "SELECT 1",
    // Version 3: form definitions the office hands to kiosks, with a change number like the rest.
    R"sql(
CREATE TABLE forms (
  form_id     text PRIMARY KEY,
  version     integer NOT NULL,
  definition  text NOT NULL,
  updated_at  bigint NOT NULL,
  change_seq  bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE forms IS 'Form definitions handed to kiosks in place of the built-in ones; written by cate-admin form set';
COMMENT ON COLUMN forms.form_id IS 'the form''s ID (''ally_network'')';
COMMENT ON COLUMN forms.version IS 'the definition''s version; form set only raises it';
COMMENT ON COLUMN forms.definition IS 'the definition''s JSON, checked by form set; copied into bundles';
COMMENT ON COLUMN forms.updated_at IS 'Unix seconds, when form set stored it';
COMMENT ON COLUMN forms.change_seq IS 'change number of the row''s last write (trigger)';
CREATE TRIGGER forms_changed BEFORE INSERT OR UPDATE OF version, definition ON forms
  FOR EACH ROW EXECUTE FUNCTION office_mark_change();
)sql",
};
constexpr int kOfficeSchemaVersion = static_cast<int>(sizeof kOfficeMigrations / sizeof kOfficeMigrations[0]);
static_assert(kOfficeSchemaVersion == kCentralSchemaVersion);

// The advisory lock that makes two programs starting at once migrate one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7243011506)";

// ---------------------------------------------------------------------------------------------
// [SECTION] Helpers
// ---------------------------------------------------------------------------------------------
// The libpq wrapper both PostgreSQL stores share: sync/admin/pg_connection.hpp.
using pg::Connection;
using pg::Params;
using pg::Rows;
using pg::SqlFault;
using pg::Transaction;

std::string num(std::int64_t v) { return std::to_string(v); }

constexpr const char* kRsvpColumns = "rsvp_id, meeting_id, first_name, last_name, email, serial, created_at";

// ---------------------------------------------------------------------------------------------
// [SECTION] Store
// ---------------------------------------------------------------------------------------------
class PgCentralStore final : public CentralStore {
 public:
  explicit PgCentralStore(std::string conninfo) : conninfo_(conninfo), db_(std::move(conninfo)) {}

  StoreDone setup(OpenMode mode) {
    std::lock_guard lock(mutex_);
    try {
      db_.ensure();
      Transaction tx(db_);
      db_.exec(kMigrationLock);
      Rows has = db_.run("SELECT to_regclass('office_schema') IS NOT NULL");
      if (has.text(0, 0) != "t" && mode == OpenMode::MustExist)
        return Err{fmt::format("there are no office tables in PostgreSQL ({}): run `cate-admin --pg ... init` first",
                               conninfo_)};
      db_.exec(
          "CREATE TABLE IF NOT EXISTS office_schema (version integer NOT NULL);"
          "COMMENT ON TABLE office_schema IS 'One row: the version of the office''s tables';"
          "COMMENT ON COLUMN office_schema.version IS 'written by cate-admin or cate-syncd when it migrates'");
      Rows v = db_.run("SELECT version FROM office_schema");
      int version = 0;
      if (v.size() > 0) version = static_cast<int>(v.i64(0, 0));
      else db_.exec("INSERT INTO office_schema(version) VALUES (0)");
      if (version > kOfficeSchemaVersion)
        return Err{fmt::format("the office's tables in PostgreSQL were made by a newer cate-admin (schema version "
                               "{}; this one knows up to {}): use the newer cate-admin",
                               version, kOfficeSchemaVersion)};
      for (int i = version; i < kOfficeSchemaVersion; ++i) db_.exec(kOfficeMigrations[i]);
      db_.run("UPDATE office_schema SET version = $1", {num(kOfficeSchemaVersion)});
      tx.commit();
      version_ = kOfficeSchemaVersion;
    } catch (const SqlFault& f) {
      return Err{"cannot set up the office's tables: " + f.message};
    }
    return std::monostate{};
  }

  int schema_version() override { return version_; }
  std::string location() const override { return "PostgreSQL (" + conninfo_ + ")"; }

  // ---- keys ----

  StoreResult<SigningKeyRecord> add_signing_key(const SecretKey& key, std::int64_t now) override {
    SigningKeyRecord rec;
    rec.secret_key = key;
    rec.public_key = key.public_key();
    rec.id = rec.public_key.id();
    rec.created_at = now;
    return guarded<SigningKeyRecord>("cannot store the key", [&]() -> StoreResult<SigningKeyRecord> {
      Rows r = db_.run("INSERT INTO signing_keys (key_id, public_key, secret_key, created_at) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT (key_id) DO NOTHING",
                       {key_id_str(rec.id), rec.public_key.base64(), key.base64(), num(now)});
      if (r.affected() == 0) return Err{fmt::format("key {} is already stored", key_id_str(rec.id))};
      return rec;
    });
  }

  StoreResult<std::vector<SigningKeyRecord>> signing_keys() override {
    return guarded<std::vector<SigningKeyRecord>>("cannot read the keys", [&] {
      return read_keys("SELECT key_id, public_key, secret_key, created_at, retired_at FROM signing_keys "
                       "ORDER BY created_at, added_order");
    });
  }

  StoreResult<std::optional<SigningKeyRecord>> current_signing_key() override {
    return guarded<std::optional<SigningKeyRecord>>(
        "cannot read the keys", [&]() -> StoreResult<std::optional<SigningKeyRecord>> {
          auto keys = read_keys("SELECT key_id, public_key, secret_key, created_at, retired_at FROM signing_keys "
                                "WHERE retired_at IS NULL ORDER BY created_at DESC, added_order DESC LIMIT 1");
          if (!keys) return Err{keys.error()};
          if (keys->empty()) return std::optional<SigningKeyRecord>();
          return std::optional<SigningKeyRecord>(keys->front());
        });
  }

  StoreDone retire_signing_key(KeyId id, std::int64_t now) override {
    return guarded<std::monostate>("cannot retire the key", [&]() -> StoreDone {
      Rows f = db_.run("SELECT retired_at FROM signing_keys WHERE key_id = $1", {key_id_str(id)});
      if (f.size() == 0) return Err{fmt::format("there is no key {}", key_id_str(id))};
      if (!f.is_null(0, 0)) return Err{fmt::format("key {} is already retired", key_id_str(id))};
      db_.run("UPDATE signing_keys SET retired_at = $2 WHERE key_id = $1 AND retired_at IS NULL",
              {key_id_str(id), num(now)});
      return std::monostate{};
    });
  }

  // ---- meetings ----

  StoreResult<Meeting> add_meeting(std::string_view name, std::int64_t starts_at, std::int64_t ends_at,
                                   std::int64_t now) override {
    if (ends_at <= starts_at) return Err{std::string("a meeting must end after it starts")};
    return guarded<Meeting>("cannot store the meeting", [&]() -> StoreResult<Meeting> {
      for (int attempt = 0; attempt < 5; ++attempt) {
        Meeting m{MeetingId::random(), std::string(name), starts_at, ends_at};
        Rows r = db_.run("INSERT INTO meetings (meeting_id, name, starts_at, ends_at, created_at) "
                         "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (meeting_id) DO NOTHING",
                         {m.id.str(), m.name, num(starts_at), num(ends_at), num(now)});
        if (r.affected() == 1) return m;
      }
      return Err{std::string("cannot find a free meeting ID")};
    });
  }

  StoreResult<std::optional<Meeting>> find_meeting(MeetingId id) override {
    return guarded<std::optional<Meeting>>("cannot read the meetings", [&]() -> StoreResult<std::optional<Meeting>> {
      Rows r = db_.run("SELECT meeting_id, name, starts_at, ends_at FROM meetings WHERE meeting_id = $1", {id.str()});
      if (r.size() == 0) return std::optional<Meeting>();
      return std::optional<Meeting>(meeting_from(r, 0));
    });
  }

  StoreResult<std::vector<Meeting>> meetings() override {
    return guarded<std::vector<Meeting>>("cannot read the meetings", [&]() -> StoreResult<std::vector<Meeting>> {
      Rows r = db_.run("SELECT meeting_id, name, starts_at, ends_at FROM meetings ORDER BY starts_at, added_order");
      std::vector<Meeting> out;
      for (int i = 0; i < r.size(); ++i) out.push_back(meeting_from(r, i));
      return out;
    });
  }

  // ---- RSVPs ----

  StoreResult<std::vector<RsvpRecord>> add_rsvps(MeetingId meeting, const std::vector<NewRsvp>& rsvps,
                                                 std::int64_t now) override {
    auto found = find_meeting(meeting);
    if (!found) return Err{found.error()};
    if (!*found) return Err{fmt::format("there is no meeting {}", meeting.str())};
    return guarded<std::vector<RsvpRecord>>("cannot store the RSVPs", [&]() -> StoreResult<std::vector<RsvpRecord>> {
      Transaction tx(db_);
      std::vector<RsvpRecord> out;
      out.reserve(rsvps.size());
      for (const auto& n : rsvps) {
        RsvpRecord rec;
        rec.rsvp.meeting = meeting;
        rec.rsvp.first_name = n.first_name;
        rec.rsvp.last_name = n.last_name;
        rec.rsvp.email = n.email;
        rec.created_at = now;
        for (int attempt = 0;; ++attempt) {
          rec.rsvp.id = RsvpId::random();
          Rows taken = db_.run("SELECT 1 FROM rsvps WHERE rsvp_id = $1", {rec.rsvp.id.str()});
          if (taken.size() == 0) break;
          if (attempt > 5) return Err{std::string("cannot find a free RSVP ID")};
        }
        try {
          db_.run("INSERT INTO rsvps (rsvp_id, meeting_id, first_name, last_name, email, serial, created_at) "
                  "VALUES ($1, $2, $3, $4, $5, 1, $6)",
                  {rec.rsvp.id.str(), meeting.str(), n.first_name, n.last_name, n.email, num(now)});
        } catch (const SqlFault& f) {
          if (f.state == "23505" && !n.email.empty())
            return Err{fmt::format("email {} already has an RSVP for this meeting", n.email)};
          throw;
        }
        out.push_back(std::move(rec));
      }
      tx.commit();
      return out;
    });
  }

  StoreResult<std::optional<RsvpRecord>> find_rsvp(RsvpId id) override {
    return one_rsvp(fmt::format("SELECT {} FROM rsvps WHERE rsvp_id = $1", kRsvpColumns), {id.str()});
  }

  StoreResult<std::optional<RsvpRecord>> find_rsvp_by_email(MeetingId meeting, std::string_view email) override {
    if (email.empty()) return std::optional<RsvpRecord>();
    return one_rsvp(fmt::format("SELECT {} FROM rsvps WHERE meeting_id = $1 AND lower(email COLLATE \"C\") = "
                                "lower($2 COLLATE \"C\") AND email <> ''",
                                kRsvpColumns),
                    {meeting.str(), std::string(email)});
  }

  StoreResult<std::vector<RsvpRecord>> rsvps_for_meeting(MeetingId meeting) override {
    return guarded<std::vector<RsvpRecord>>("cannot read the RSVPs", [&]() -> StoreResult<std::vector<RsvpRecord>> {
      Rows r = db_.run(fmt::format("SELECT {} FROM rsvps WHERE meeting_id = $1 ORDER BY created_at, added_order",
                                   kRsvpColumns).c_str(),
                       {meeting.str()});
      std::vector<RsvpRecord> out;
      for (int i = 0; i < r.size(); ++i) {
        auto rec = rsvp_from(r, i);
        if (!rec) return Err{rec.error()};
        out.push_back(std::move(*rec));
      }
      return out;
    });
  }

  // ---- revocations ----

  StoreResult<bool> revoke_ticket(TicketRef ticket, std::int64_t now) override {
    return guarded<bool>("cannot store the revocation", [&]() -> StoreResult<bool> {
      try {
        Rows r = db_.run("INSERT INTO revocations (rsvp_id, serial, revoked_at) VALUES ($1, $2, $3) "
                         "ON CONFLICT (rsvp_id, serial) DO NOTHING",
                         {ticket.rsvp.str(), num(ticket.serial), num(now)});
        return r.affected() > 0;
      } catch (const SqlFault& f) {
        if (f.state == "23503") return Err{fmt::format("there is no RSVP {}", ticket.rsvp.str())};
        throw;
      }
    });
  }

  StoreResult<std::optional<Revocation>> find_revocation(TicketRef ticket) override {
    return guarded<std::optional<Revocation>>(
        "cannot read the revocations", [&]() -> StoreResult<std::optional<Revocation>> {
          Rows r = db_.run("SELECT rsvp_id, serial, revoked_at FROM revocations WHERE rsvp_id = $1 AND serial = $2",
                           {ticket.rsvp.str(), num(ticket.serial)});
          if (r.size() == 0) return std::optional<Revocation>();
          auto rev = revocation_from(r, 0);
          if (!rev) return Err{rev.error()};
          return std::optional<Revocation>(*rev);
        });
  }

  StoreResult<std::vector<Revocation>> revocations_for_meeting(MeetingId meeting) override {
    return guarded<std::vector<Revocation>>(
        "cannot read the revocations", [&]() -> StoreResult<std::vector<Revocation>> {
          Rows r = db_.run("SELECT v.rsvp_id, v.serial, v.revoked_at FROM revocations v JOIN rsvps r USING (rsvp_id) "
                           "WHERE r.meeting_id = $1 ORDER BY v.revoked_at, v.added_order",
                           {meeting.str()});
          return revocations_from(r);
        });
  }

  StoreResult<std::uint16_t> reissue_ticket(RsvpId rsvp, std::int64_t now) override {
    return guarded<std::uint16_t>("cannot reissue the ticket", [&]() -> StoreResult<std::uint16_t> {
      Transaction tx(db_);
      Rows f = db_.run("SELECT serial FROM rsvps WHERE rsvp_id = $1 FOR UPDATE", {rsvp.str()});
      if (f.size() == 0) return Err{fmt::format("there is no RSVP {}", rsvp.str())};
      std::int64_t serial = f.i64(0, 0);
      if (serial >= 0xFFFF) return Err{fmt::format("RSVP {} has had 65535 tickets; make a new RSVP", rsvp.str())};
      db_.run("INSERT INTO revocations (rsvp_id, serial, revoked_at) VALUES ($1, $2, $3) "
              "ON CONFLICT (rsvp_id, serial) DO NOTHING",
              {rsvp.str(), num(serial), num(now)});
      db_.run("UPDATE rsvps SET serial = $2 WHERE rsvp_id = $1", {rsvp.str(), num(serial + 1)});
      tx.commit();
      return static_cast<std::uint16_t>(serial + 1);
    });
  }

  StoreResult<CentralPurge> purge_personal_data(std::int64_t ended_before) override {
    return guarded<CentralPurge>("cannot purge personal data", [&]() -> StoreResult<CentralPurge> {
      CentralPurge out;
      Transaction tx(db_);
      Rows m = db_.run("SELECT count(DISTINCT r.meeting_id) FROM rsvps r JOIN meetings m USING (meeting_id) "
                       "WHERE m.ends_at < $1 AND (r.first_name <> '' OR r.last_name <> '' OR r.email <> '')",
                       {num(ended_before)});
      out.meetings = m.i64(0, 0);
      Rows w = db_.run("UPDATE rsvps SET first_name = '', last_name = '', email = '' WHERE meeting_id IN "
                       "(SELECT meeting_id FROM meetings WHERE ends_at < $1) "
                       "AND (first_name <> '' OR last_name <> '' OR email <> '')",
                       {num(ended_before)});
      out.rsvps = w.affected();
      tx.commit();
      return out;
    });
  }

  StoreResult<bool> remove_rsvp(RsvpId rsvp) override {
    return guarded<bool>("cannot remove the RSVP", [&]() -> StoreResult<bool> {
      Transaction tx(db_);
      db_.run("DELETE FROM revocations WHERE rsvp_id = $1", {rsvp.str()});
      Rows d = db_.run("DELETE FROM rsvps WHERE rsvp_id = $1", {rsvp.str()});
      tx.commit();
      return d.affected() > 0;
    });
  }

  StoreDone set_form(const OfficeForm& form) override {
    return guarded<std::monostate>("cannot store the form", [&]() -> StoreDone {
      Transaction tx(db_);
      Rows q = db_.run("SELECT version FROM forms WHERE form_id = $1 FOR UPDATE", {form.id});
      if (q.size() > 0 && q.i64(0, 0) >= form.version)
        return Err{fmt::format("form {}: the office already has version {}; a changed form needs a "
                               "higher \"version\" than that (this file has {})",
                               form.id, q.i64(0, 0), form.version)};
      db_.run("INSERT INTO forms (form_id, version, definition, updated_at) VALUES ($1, $2, $3, $4) "
              "ON CONFLICT (form_id) DO UPDATE SET version = excluded.version, definition = excluded.definition, "
              "updated_at = excluded.updated_at",
              {form.id, num(form.version), form.definition, num(form.updated_at)});
      tx.commit();
      return std::monostate{};
    });
  }

  StoreResult<std::vector<OfficeForm>> forms() override {
    return guarded<std::vector<OfficeForm>>("cannot read the forms", [&]() -> StoreResult<std::vector<OfficeForm>> {
      Rows r = db_.run("SELECT form_id, version, definition, updated_at FROM forms ORDER BY form_id");
      std::vector<OfficeForm> out;
      for (int i = 0; i < r.size(); ++i)
        out.push_back({r.text(i, 0), static_cast<int>(r.i64(i, 1)), r.text(i, 2), r.i64(i, 3)});
      return out;
    });
  }

  StoreResult<OfficeChanges> changes_since(std::int64_t since, std::int64_t ends_after) override {
    return guarded<OfficeChanges>("cannot read the office's changes", [&]() -> StoreResult<OfficeChanges> {
      // One snapshot: the change number and the rows agree.
      Transaction tx(db_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      OfficeChanges out;
      Rows c = db_.run("SELECT epoch, seq FROM office_change");
      if (c.size() != 1) return Err{std::string("the office's change count is missing")};
      out.epoch = c.text(0, 0);
      out.seq = c.i64(0, 1);
      Rows m = db_.run("SELECT meeting_id, name, starts_at, ends_at FROM meetings WHERE change_seq > $1 "
                       "AND ends_at >= $2 ORDER BY starts_at, added_order",
                       {num(since), num(ends_after)});
      for (int i = 0; i < m.size(); ++i) out.meetings.push_back(meeting_from(m, i));
      Rows r = db_.run("SELECT r.rsvp_id, r.meeting_id, r.first_name, r.last_name, r.email, r.serial, r.created_at "
                       "FROM rsvps r JOIN meetings m USING (meeting_id) WHERE r.change_seq > $1 AND m.ends_at >= $2 "
                       "ORDER BY r.created_at, r.added_order",
                       {num(since), num(ends_after)});
      for (int i = 0; i < r.size(); ++i) {
        auto rec = rsvp_from(r, i);
        if (!rec) return Err{rec.error()};
        out.rsvps.push_back(rec->rsvp);
      }
      Rows v = db_.run("SELECT v.rsvp_id, v.serial, v.revoked_at FROM revocations v JOIN rsvps r USING (rsvp_id) "
                       "JOIN meetings m USING (meeting_id) WHERE v.change_seq > $1 AND m.ends_at >= $2 "
                       "ORDER BY v.revoked_at, v.added_order",
                       {num(since), num(ends_after)});
      auto revs = revocations_from(v);
      if (!revs) return Err{revs.error()};
      out.revocations = std::move(*revs);
      // Forms are few and small: when any changed, all of them go.
      Rows f = db_.run("SELECT definition FROM forms WHERE EXISTS (SELECT 1 FROM forms WHERE change_seq > $1) "
                       "ORDER BY form_id",
                       {num(since)});
      for (int i = 0; i < f.size(); ++i) out.forms.push_back(f.text(i, 0));
      if (since > 0) {
        Rows t = db_.run("SELECT id FROM office_removal WHERE kind = 'rsvp' AND change_seq > $1 ORDER BY change_seq",
                         {num(since)});
        for (int i = 0; i < t.size(); ++i)
          if (auto id = RsvpId::parse(t.text(i, 0))) out.removed_rsvps.push_back(*id);
      }
      tx.commit();
      return out;
    });
  }

  StoreResult<std::optional<SecretKey>> server_identity(bool create) override {
    return guarded<std::optional<SecretKey>>(
        "cannot keep the server's identity key", [&]() -> StoreResult<std::optional<SecretKey>> {
          Transaction tx(db_);
          // Two programs making it at once make one.
          db_.exec("LOCK TABLE server_identity IN SHARE ROW EXCLUSIVE MODE");
          Rows q = db_.run("SELECT secret_key FROM server_identity LIMIT 1");
          if (q.size() > 0) {
            auto key = SecretKey::from_base64(q.text(0, 0));
            if (!key) return Err{std::string("the server's identity key in PostgreSQL is damaged")};
            return std::optional<SecretKey>(*key);
          }
          if (!create) return std::optional<SecretKey>();
          SecretKey fresh = SecretKey::generate();
          db_.run("INSERT INTO server_identity (secret_key, created_at_ms) VALUES ($1, "
                  "(extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                  {fresh.base64()});
          tx.commit();
          return std::optional<SecretKey>(fresh);
        });
  }

 private:
  /// Runs `body` on the connection, one call at a time; a database failure becomes "what: why".
  template <class T, class F>
  StoreResult<T> guarded(std::string_view what, F&& body) {
    std::lock_guard lock(mutex_);
    try {
      db_.ensure();
      return body();
    } catch (const SqlFault& f) {
      return Err{fmt::format("PostgreSQL: {} ({})", what, f.message)};
    }
  }

  StoreResult<std::vector<SigningKeyRecord>> read_keys(const char* sql) {
    Rows r = db_.run(sql);
    std::vector<SigningKeyRecord> out;
    for (int i = 0; i < r.size(); ++i) {
      SigningKeyRecord rec;
      auto id = parse_key_id(r.text(i, 0));
      auto pub = PublicKey::from_base64(r.text(i, 1));
      auto sec = SecretKey::from_base64(r.text(i, 2));
      if (!id || !pub || !sec || pub->id() != *id || !(sec->public_key() == *pub))
        return Err{fmt::format("PostgreSQL: signing key {} is damaged", r.text(i, 0))};
      rec.id = *id;
      rec.public_key = *pub;
      rec.secret_key = *sec;
      rec.created_at = r.i64(i, 3);
      if (!r.is_null(i, 4)) rec.retired_at = r.i64(i, 4);
      out.push_back(rec);
    }
    return out;
  }

  StoreResult<std::optional<RsvpRecord>> one_rsvp(const std::string& sql, const Params& params) {
    return guarded<std::optional<RsvpRecord>>("cannot read the RSVPs", [&]() -> StoreResult<std::optional<RsvpRecord>> {
      Rows r = db_.run(sql.c_str(), params);
      if (r.size() == 0) return std::optional<RsvpRecord>();
      auto rec = rsvp_from(r, 0);
      if (!rec) return Err{rec.error()};
      return std::optional<RsvpRecord>(std::move(*rec));
    });
  }

  static Meeting meeting_from(const Rows& r, int i) {
    Meeting m;
    m.id = MeetingId::parse(r.text(i, 0)).value_or(MeetingId{});
    m.name = r.text(i, 1);
    m.starts_at = r.i64(i, 2);
    m.ends_at = r.i64(i, 3);
    return m;
  }

  static StoreResult<RsvpRecord> rsvp_from(const Rows& r, int i) {
    auto id = RsvpId::parse(r.text(i, 0));
    auto meeting = MeetingId::parse(r.text(i, 1));
    std::int64_t serial = r.i64(i, 5);
    if (!id || !meeting || serial < 1 || serial > 0xFFFF)
      return Err{fmt::format("PostgreSQL: RSVP {} is damaged", r.text(i, 0))};
    RsvpRecord rec;
    rec.rsvp.id = *id;
    rec.rsvp.meeting = *meeting;
    rec.rsvp.first_name = r.text(i, 2);
    rec.rsvp.last_name = r.text(i, 3);
    rec.rsvp.email = r.text(i, 4);
    rec.serial = static_cast<std::uint16_t>(serial);
    rec.created_at = r.i64(i, 6);
    return rec;
  }

  static StoreResult<std::vector<Revocation>> revocations_from(const Rows& r) {
    std::vector<Revocation> out;
    for (int i = 0; i < r.size(); ++i) {
      auto rev = revocation_from(r, i);
      if (!rev) return Err{rev.error()};
      out.push_back(*rev);
    }
    return out;
  }

  static StoreResult<Revocation> revocation_from(const Rows& r, int i) {
    auto id = RsvpId::parse(r.text(i, 0));
    std::int64_t serial = r.i64(i, 1);
    if (!id || serial < 1 || serial > 0xFFFF)
      return Err{fmt::format("PostgreSQL: a revocation for {} is damaged", r.text(i, 0))};
    return Revocation{TicketRef{*id, static_cast<std::uint16_t>(serial)}, r.i64(i, 2)};
  }

  std::string conninfo_;
  std::mutex mutex_;  // one connection: calls take turns
  Connection db_;
  int version_ = -1;
};

}  // namespace

StoreResult<std::unique_ptr<CentralStore>> open_pg_central_store(const std::string& conninfo, OpenMode mode) {
  if (sodium_init() < 0) return Err{std::string("cannot start libsodium")};
  auto store = std::make_unique<PgCentralStore>(conninfo);
  if (auto r = store->setup(mode); !r) return Err{r.error()};
  return std::unique_ptr<CentralStore>(std::move(store));
}

}  // namespace cate

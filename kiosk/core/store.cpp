// The kiosk store.
//
// (SQLite helpers shared with store_staff.cpp: store_sql.hpp)
// [SECTION] Schema           the versioned schema and its migrations
// [SECTION] Open             lock file, pragmas, migration, cache
// [SECTION] Provisioning     bundle import, active meeting
// [SECTION] Check-in         the transaction that applies the rules and records
// [SECTION] Reading          counts, lists, integrity
#include "kiosk/core/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "kiosk/core/check_in_rules.hpp"
#include "kiosk/core/store_sql.hpp"
#include "sync/protocol/form_definition.hpp"

namespace cate {

using namespace store_sql;

// ---------------------------------------------------------------------------------------------
// [SECTION] Schema
// Each entry moves the schema from version i to i+1; entries are never edited once released.
// ---------------------------------------------------------------------------------------------
namespace {
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE setting (               -- one row a kiosk setting
  key   TEXT PRIMARY KEY,            -- 'device_id' (made at first open), 'active_meeting' (staff, bundle),
                                     -- 'office_clock_ms' (the latest bundle's making, office clock), ...
  value TEXT NOT NULL
);
CREATE TABLE signing_key (           -- public keys that sign tickets; from bundles and sync
  key_id      TEXT PRIMARY KEY,      -- 8 hex digits, derived from public_key
  public_key  BLOB NOT NULL,         -- 32-byte Ed25519 public key (never a secret key)
  added_at_ms INTEGER NOT NULL       -- when this kiosk first learned it
);
CREATE TABLE meeting (               -- meetings the kiosk knows; from bundles and sync. No address.
  id        TEXT PRIMARY KEY,        -- 16 hex digits, made by the office
  name      TEXT NOT NULL,           -- shown on "this ticket is for another meeting"
  starts_at INTEGER NOT NULL,        -- Unix seconds
  ends_at   INTEGER NOT NULL         -- Unix seconds
);
CREATE TABLE rsvp (                  -- the roster. Personal data: purged after the retention window
  id         TEXT PRIMARY KEY,       -- 16 hex digits, made by the office; what tickets name
  meeting_id TEXT NOT NULL,          -- the meeting RSVPed to
  first_name TEXT NOT NULL,          -- the only part a success screen may show
  last_name  TEXT NOT NULL,
  email      TEXT NOT NULL           -- for "find my RSVP"; may be ''
);
CREATE INDEX rsvp_by_meeting ON rsvp(meeting_id);
CREATE TABLE revocation (            -- tickets the office withdrew; from bundles and sync
  rsvp_id    TEXT NOT NULL,
  serial     INTEGER NOT NULL,       -- which ticket of that RSVP
  revoked_at INTEGER NOT NULL,       -- Unix seconds, office clock
  PRIMARY KEY (rsvp_id, serial)
);
CREATE TABLE check_in (              -- people checked in here; written by the check-in transaction
  id            TEXT PRIMARY KEY,    -- UUIDv7 made on this kiosk; the server de-duplicates on it
  meeting_id    TEXT NOT NULL,
  rsvp_id       TEXT NOT NULL,
  ticket_serial INTEGER NOT NULL,    -- the ticket's serial; 0 when staff signed the person in
  method        TEXT NOT NULL,       -- camera | scanner | typed | image_file | staff
  at_ms         INTEGER NOT NULL,    -- kiosk clock, Unix milliseconds
  undone_at_ms  INTEGER              -- set when staff undo a mistaken check-in
);
CREATE UNIQUE INDEX check_in_once ON check_in(meeting_id, rsvp_id) WHERE undone_at_ms IS NULL;
CREATE TABLE refused_scan (          -- scans that let nobody in; counts for the report. No personal data
  id         TEXT PRIMARY KEY,       -- UUIDv7 made on this kiosk
  outcome    TEXT NOT NULL,          -- outcome_code(), e.g. 'expired', 'forged'
  method     TEXT NOT NULL,
  meeting_id TEXT,                   -- the active meeting then, if any
  at_ms      INTEGER NOT NULL
);
CREATE TABLE outbox (                -- records waiting for the server; the sync client drains it
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- upload order
  record_id     TEXT NOT NULL UNIQUE,  -- the record's UUIDv7, so a retry never makes a second record
  kind          TEXT NOT NULL,         -- 'check_in' | 'refused_scan'
  payload       TEXT NOT NULL,         -- JSON of the record as it will be uploaded
  created_at_ms INTEGER NOT NULL,      -- kiosk clock
  attempts      INTEGER NOT NULL DEFAULT 0,  -- upload tries so far (sync client)
  last_error    TEXT                   -- the last upload failure in words (sync client)
);
)sql",
    // 1 -> 2
    R"sql(
CREATE TABLE form_entry (            -- forms taken here (walk-ins, sign-ups), one row each; written with
                                     -- the form's outbox record. No personal data: the answers exist on
                                     -- the kiosk only sealed, in the outbox. Stays, so counts survive sync
  id           TEXT PRIMARY KEY,     -- UUIDv7 made on this kiosk; the outbox record's ID
  form         TEXT NOT NULL,        -- the form's ID: 'walk_in', 'ally_network', 'community_network'
  form_version INTEGER NOT NULL,     -- the definition's version
  meeting_id   TEXT,                 -- walk-ins: the active meeting then; sign-ups: NULL
  at_ms        INTEGER NOT NULL      -- kiosk clock, Unix milliseconds
);
CREATE INDEX form_entry_by_meeting ON form_entry(meeting_id, form);
)sql",
    // 1 -> 2
    R"sql(
CREATE TABLE office_form (           -- form definitions the office sent in bundles and pulls; one a form
  id          TEXT PRIMARY KEY,      -- the form's ID ('ally_network'); replaces the built-in one of that ID
                                     -- when its version is higher (forms.hpp, find_form)
  version     INTEGER NOT NULL,      -- the definition's version; only a higher one replaces the row
  definition  TEXT NOT NULL          -- the definition's JSON, as assets/forms; checked on import
);
)sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);
}  // namespace

int current_store_schema_version() { return kSchemaVersion; }

// ---------------------------------------------------------------------------------------------
// [SECTION] Open
// ---------------------------------------------------------------------------------------------
Result<std::unique_ptr<Store>, StoreError> Store::open(const std::string& path) {
  std::unique_ptr<Store> s(new Store());
  std::string lock_path = path + ".lock";
  s->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd_ < 0)
    return Err{StoreError{StoreError::Kind::CannotOpen,
                          "cannot open the kiosk store at " + path + ": " + std::strerror(errno)}};
  if (flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return Err{StoreError{StoreError::Kind::InUse,
                          "the kiosk store at " + path + " is in use by another cate-kiosk process"}};

  int rc = sqlite3_open_v2(path.c_str(), &s->db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK)
    return Err{StoreError{StoreError::Kind::CannotOpen,
                          "cannot open the kiosk store at " + path + ": " +
                              (s->db_ ? sqlite3_errmsg(s->db_) : "out of memory")}};
  sqlite3_extended_result_codes(s->db_, 1);
  try {
    // The file must be a database before anything else: a stray file gets a clear message.
    exec(s->db_, "PRAGMA busy_timeout = 5000");
    {
      Stmt jm(s->db_, "PRAGMA journal_mode = WAL");
      jm.step();
    }
    // FULL: a commit is on disk (WAL fsynced) before COMMIT returns. What the screen says is done is done.
    exec(s->db_, "PRAGMA synchronous = FULL");
    exec(s->db_, "PRAGMA foreign_keys = ON");
    int version = s->schema_version();
    if (version > kSchemaVersion)
      return Err{StoreError{StoreError::Kind::TooNew,
                            "the kiosk store at " + path + " was written by a newer cate-kiosk (schema " +
                                std::to_string(version) + "); update this one"}};
    for (int v = version; v < kSchemaVersion; ++v) {
      Transaction tx(s->db_);
      exec(s->db_, kMigrations[v]);
      exec(s->db_, ("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      tx.commit();
    }
    {
      Stmt q(s->db_, "SELECT value FROM setting WHERE key = 'device_id'");
      if (!q.step()) {
        Stmt ins(s->db_, "INSERT INTO setting(key, value) VALUES ('device_id', ?)");
        ins.bind(1, Uuid::v7_now().str()).run();
      }
    }
    s->load_cache();
  } catch (const SqlFailure& f) {
    auto e = to_store_error(f);
    if ((f.code & 0xff) == SQLITE_NOTADB)
      e.message = "the file at " + path + " is not a kiosk store (not an SQLite database)";
    return Err{e};
  }
  return s;
}

Store::~Store() {
  if (db_) sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

namespace {
// The office keys in the signing_key table (a row that is not a 32-byte key is passed over).
KeyRing office_keys(sqlite3* db) {
  KeyRing keys;
  Stmt k(db, "SELECT public_key FROM signing_key");
  while (k.step()) {
    std::string b = k.blob(0);
    if (b.size() != 32) continue;
    PublicKey pk;
    std::memcpy(pk.bytes.data(), b.data(), 32);
    keys.add(pk);
  }
  return keys;
}
}  // namespace

Result<KeyRing, StoreError> read_trusted_keys(const std::string& path) {
  KeyRing keys;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return keys;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> owner(db, &sqlite3_close_v2);
  if (rc != SQLITE_OK)
    return Err{StoreError{StoreError::Kind::CannotOpen, "cannot read the kiosk store at " + path + ": " +
                                                            (db ? sqlite3_errmsg(db) : "out of memory")}};
  sqlite3_extended_result_codes(db, 1);
  try {
    exec(db, "PRAGMA busy_timeout = 5000");
    keys = office_keys(db);
  } catch (const SqlFailure& f) {
    auto e = to_store_error(f);
    e.message = "cannot read the office keys in the kiosk store at " + path + ": " + e.message;
    return Err{e};
  }
  return keys;
}

void Store::load_cache() {
  keys_ = office_keys(db_);
  active_meeting_.reset();
  Stmt a(db_, "SELECT value FROM setting WHERE key = 'active_meeting'");
  if (a.step()) active_meeting_ = MeetingId::parse(a.text(0));
  Stmt d(db_, "SELECT value FROM setting WHERE key = 'device_id'");
  if (d.step()) device_id_ = d.text(0);
}

int Store::schema_version() const {
  Stmt q(db_, "PRAGMA user_version");
  q.step();
  return static_cast<int>(q.i64(0));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Provisioning
// ---------------------------------------------------------------------------------------------
Result<ImportSummary, StoreError> Store::import_bundle(const SignedBundle& sb, bool trust_new_signer,
                                                       std::int64_t now_ms) {
  const Bundle& b = sb.bundle;
  if (!keys_.empty() && !keys_.find(sb.signed_by) && !trust_new_signer)
    return Err{StoreError{StoreError::Kind::Refused,
                          "this bundle is signed by key " + key_id_str(sb.signed_by) +
                              ", which this kiosk does not trust. It may come from another office. "
                              "To move the kiosk to it anyway, import with --trust-new-office."}};
  ImportSummary sum;
  try {
    Transaction tx(db_);
    for (const auto& k : b.keys) {
      Stmt ins(db_, "INSERT OR IGNORE INTO signing_key(key_id, public_key, added_at_ms) VALUES (?, ?, ?)");
      ins.bind(1, key_id_str(k.id())).bind_blob(2, k.bytes.data(), 32).bind(3, now_ms).run();
      sum.keys += static_cast<std::size_t>(sqlite3_changes(db_));
    }
    std::set<MeetingId> bundled;
    for (const auto& m : b.meetings) {
      bundled.insert(m.id);
      Stmt ins(db_,
               "INSERT INTO meeting(id, name, starts_at, ends_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT(id) DO UPDATE SET name = excluded.name, starts_at = excluded.starts_at, "
               "ends_at = excluded.ends_at");
      ins.bind(1, m.id.str()).bind(2, m.name).bind(3, m.starts_at).bind(4, m.ends_at).run();
      ++sum.meetings;
    }
    // A whole bundle carries the whole roster of each of its meetings: RSVPs no longer on it
    // were cancelled, and go (their check-ins, if any, stay: they are facts). A delta carries
    // only what changed, and names the RSVPs removed; the rest of the roster stays.
    std::size_t removed = 0;
    if (!b.delta) {
      for (const auto& m : bundled) {
        Stmt clear(db_, "DELETE FROM rsvp WHERE meeting_id = ?");
        clear.bind(1, m.str()).run();
        sum.rsvps_removed += static_cast<std::size_t>(sqlite3_changes(db_));
      }
    } else {
      for (const auto& id : b.removed_rsvps) {
        Stmt del(db_, "DELETE FROM rsvp WHERE id = ?");
        del.bind(1, id.str()).run();
        removed += static_cast<std::size_t>(sqlite3_changes(db_));
      }
    }
    for (const auto& r : b.rsvps) {
      Stmt ins(db_,
               "INSERT INTO rsvp(id, meeting_id, first_name, last_name, email) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(id) DO UPDATE SET meeting_id = excluded.meeting_id, first_name = "
               "excluded.first_name, last_name = excluded.last_name, email = excluded.email");
      ins.bind(1, r.id.str()).bind(2, r.meeting.str()).bind(3, r.first_name).bind(4, r.last_name)
          .bind(5, r.email).run();
      ++sum.rsvps;
    }
    sum.rsvps_removed = sum.rsvps_removed > sum.rsvps ? sum.rsvps_removed - sum.rsvps : 0;
    sum.rsvps_removed += removed;
    for (const auto& r : b.revocations) {
      Stmt ins(db_, "INSERT OR IGNORE INTO revocation(rsvp_id, serial, revoked_at) VALUES (?, ?, ?)");
      ins.bind(1, r.ticket.rsvp.str()).bind(2, std::int64_t{r.ticket.serial}).bind(3, r.revoked_at).run();
      sum.revocations += static_cast<std::size_t>(sqlite3_changes(db_));
    }
    if (b.active_meeting) {
      Stmt set(db_, "INSERT INTO setting(key, value) VALUES ('active_meeting', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
      set.bind(1, b.active_meeting->str()).run();
      sum.active_meeting_set = true;
    }
    // A bundle from a stick may be older than what the last pull brought, and a delta must only
    // ever follow what the kiosk holds: the next pull takes everything (a pull sets its own
    // cursor after this).
    {
      Stmt forget(db_, "DELETE FROM setting WHERE key = 'pull_cursor'");
      forget.run();
    }
    // The office's form definitions (checked by read_bundle): a row is replaced only by a higher
    // version, so an old stick's bundle does not bring back an older form.
    for (const auto& text : b.forms) {
      auto def = parse_form_definition(text, "bundle form");
      if (!def) continue;
      Stmt ins(db_, "INSERT INTO office_form(id, version, definition) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET version = excluded.version, definition = excluded.definition "
                    "WHERE excluded.version > office_form.version");
      ins.bind(1, def->id).bind(2, std::int64_t{def->version}).bind(3, text).run();
      sum.forms += static_cast<std::size_t>(sqlite3_changes(db_));
    }
    // The server's identity, vouched for by the office's signature: forms are sealed to it.
    if (b.seal_key) {
      Stmt set(db_, "INSERT INTO setting(key, value) VALUES ('seal_key', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
      set.bind(1, b.seal_key->base64()).run();
    }
    // The office's clock when it made the bundle (a pull's: when it answered), the latest kept:
    // this kiosk's clock is behind when "now" is earlier (latest_record_ms, clock_trust).
    if (b.created_at > 0) {
      Stmt office(db_, "INSERT INTO setting(key, value) VALUES ('office_clock_ms', ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
                       "WHERE CAST(excluded.value AS INTEGER) > CAST(setting.value AS INTEGER)");
      office.bind(1, std::to_string(b.created_at * 1000)).run();
    }
    tx.commit();
    load_cache();
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return sum;
}

Result<Done, StoreError> Store::set_active_meeting(MeetingId id) {
  try {
    Stmt q(db_, "SELECT 1 FROM meeting WHERE id = ?");
    q.bind(1, id.str());
    if (!q.step())
      return Err{StoreError{StoreError::Kind::Refused,
                            "this kiosk does not know meeting " + id.str() + ": import a bundle for it first"}};
    Stmt set(db_, "INSERT INTO setting(key, value) VALUES ('active_meeting', ?) "
                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    set.bind(1, id.str()).run();
    active_meeting_ = id;
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return Done{};
}

std::optional<Meeting> Store::meeting(MeetingId id) const {
  try {
    Stmt q(db_, "SELECT name, starts_at, ends_at FROM meeting WHERE id = ?");
    q.bind(1, id.str());
    if (!q.step()) return std::nullopt;
    return Meeting{id, q.text(0), q.i64(1), q.i64(2)};
  } catch (const SqlFailure&) {
    return std::nullopt;
  }
}

std::vector<Meeting> Store::meetings() const {
  std::vector<Meeting> out;
  try {
    Stmt q(db_, "SELECT id, name, starts_at, ends_at FROM meeting ORDER BY starts_at");
    while (q.step())
      if (auto id = MeetingId::parse(q.text(0))) out.push_back({*id, q.text(1), q.i64(2), q.i64(3)});
  } catch (const SqlFailure&) {
  }
  return out;
}

std::optional<Rsvp> Store::rsvp(RsvpId id) const {
  try {
    Stmt q(db_, "SELECT meeting_id, first_name, last_name, email FROM rsvp WHERE id = ?");
    q.bind(1, id.str());
    if (!q.step()) return std::nullopt;
    auto m = MeetingId::parse(q.text(0));
    return Rsvp{id, m.value_or(MeetingId{}), q.text(1), q.text(2), q.text(3)};
  } catch (const SqlFailure&) {
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Check-in
// ---------------------------------------------------------------------------------------------
namespace {
void add_refused_scan(sqlite3* db, ScanOutcome outcome, CheckInMethod method,
                      const std::optional<MeetingId>& active, const std::string& device_id,
                      std::int64_t now_ms) {
  Uuid id = Uuid::v7(now_ms);
  Stmt ins(db, "INSERT INTO refused_scan(id, outcome, method, meeting_id, at_ms) VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, id.str()).bind(2, outcome_code(outcome)).bind(3, method_code(method));
  if (active) ins.bind(4, active->str());
  else ins.bind_null(4);
  ins.bind(5, now_ms).run();
  nlohmann::json payload = {{"id", id.str()},        {"device", device_id},
                            {"outcome", outcome_code(outcome)}, {"method", method_code(method)},
                            {"meeting", active ? nlohmann::json(active->str()) : nlohmann::json()},
                            {"at_ms", now_ms}};
  Stmt out(db, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'refused_scan', ?, ?)");
  out.bind(1, id.str()).bind(2, payload.dump()).bind(3, now_ms).run();
}
}  // namespace

Result<CheckInWrite, StoreError> Store::check_in_ticket(const Ticket& t, CheckInMethod method,
                                                        std::int64_t now_ms) {
  CheckInWrite w;
  try {
    Transaction tx(db_);
    CheckInFacts facts;
    facts.active_meeting = active_meeting_;
    facts.now_s = now_ms / 1000;
    {
      Stmt q(db_, "SELECT 1 FROM revocation WHERE rsvp_id = ? AND serial = ?");
      q.bind(1, t.rsvp.str()).bind(2, std::int64_t{t.serial});
      facts.revoked = q.step();
    }
    const std::optional<CheckInRecord> existing = standing_check_in(db_, t.meeting, t.rsvp);
    facts.already_checked_in = existing.has_value();
    w.outcome = decide_check_in(t, facts);

    if (w.outcome == ScanOutcome::CheckedIn) {
      CheckInRecord rec{Uuid::v7(now_ms), t.meeting, t.rsvp, t.serial, method, now_ms};
      insert_check_in(db_, rec, device_id_);
      w.record = rec;
    } else {
      if (w.outcome == ScanOutcome::AlreadyCheckedIn) w.record = existing;
      add_refused_scan(db_, w.outcome, method, active_meeting_, device_id_, now_ms);
    }
    tx.commit();  // synchronous=FULL: on disk when this returns
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return w;
}

Result<Done, StoreError> Store::record_refused_scan(ScanOutcome outcome, CheckInMethod method,
                                                    std::int64_t now_ms) {
  try {
    Transaction tx(db_);
    add_refused_scan(db_, outcome, method, active_meeting_, device_id_, now_ms);
    tx.commit();
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return Done{};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Reading
// ---------------------------------------------------------------------------------------------
Result<StoreCounts, StoreError> Store::counts(std::optional<MeetingId> meeting) const {
  StoreCounts c;
  try {
    if (meeting) {
      Stmt r(db_, "SELECT count(*) FROM rsvp WHERE meeting_id = ?");
      r.bind(1, meeting->str()).step();
      c.rsvps = r.i64(0);
      Stmt ci(db_, "SELECT count(*) FROM check_in WHERE meeting_id = ? AND undone_at_ms IS NULL");
      ci.bind(1, meeting->str()).step();
      c.checked_in = ci.i64(0);
      Stmt rs(db_, "SELECT count(*) FROM refused_scan WHERE meeting_id = ?");
      rs.bind(1, meeting->str()).step();
      c.refused_scans = rs.i64(0);
    }
    Stmt o(db_, "SELECT count(*) FROM outbox");
    o.step();
    c.outbox_pending = o.i64(0);
    Stmt forms(db_, "SELECT count(*) FILTER (WHERE form = 'walk_in' AND meeting_id = ?), "
                    "count(*) FILTER (WHERE form <> 'walk_in') FROM form_entry");
    forms.bind(1, meeting ? meeting->str() : std::string()).step();
    c.walk_ins = forms.i64(0);
    c.sign_ups = forms.i64(1);
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return c;
}

std::int64_t Store::latest_record_ms() const {
  try {
    Stmt q(db_, "SELECT max(coalesce((SELECT max(max(at_ms, coalesce(undone_at_ms, 0))) FROM check_in), 0), "
                "coalesce((SELECT max(at_ms) FROM refused_scan), 0), "
                "coalesce((SELECT max(at_ms) FROM form_entry), 0), "
                "coalesce((SELECT max(added_at_ms) FROM signing_key), 0), "
                "coalesce((SELECT max(revoked_at) * 1000 FROM revocation), 0), "
                "coalesce((SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'office_clock_ms'), 0))");
    q.step();
    return q.i64(0);
  } catch (const SqlFailure&) {
    return 0;
  }
}

std::vector<CheckInRecord> Store::check_ins(MeetingId meeting) const {
  std::vector<CheckInRecord> out;
  try {
    Stmt q(db_, "SELECT id, rsvp_id, ticket_serial, method, at_ms FROM check_in "
                "WHERE meeting_id = ? AND undone_at_ms IS NULL ORDER BY at_ms, id");
    q.bind(1, meeting.str());
    while (q.step())
      out.push_back({Uuid::parse(q.text(0)).value_or(Uuid{}), meeting,
                     RsvpId::parse(q.text(1)).value_or(RsvpId{}), static_cast<std::uint16_t>(q.i64(2)),
                     parse_method(q.text(3)), q.i64(4)});
  } catch (const SqlFailure&) {
  }
  return out;
}

std::int64_t Store::outbox_size() const {
  try {
    Stmt o(db_, "SELECT count(*) FROM outbox");
    o.step();
    return o.i64(0);
  } catch (const SqlFailure&) {
    return -1;
  }
}

Result<std::vector<OutboxEntry>, StoreError> Store::outbox_batch(std::size_t max, std::int64_t after_seq) const {
  std::vector<OutboxEntry> out;
  try {
    Stmt q(db_, "SELECT seq, record_id, kind, payload, created_at_ms, attempts, last_error FROM outbox "
                "WHERE seq > ? ORDER BY seq LIMIT ?");
    q.bind(1, after_seq).bind(2, static_cast<std::int64_t>(max));
    while (q.step())
      out.push_back({q.i64(0), q.text(1), q.text(2), q.text(3), q.i64(4), static_cast<int>(q.i64(5)), q.text(6)});
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return out;
}

Result<Done, StoreError> Store::outbox_remove(const std::vector<std::string>& record_ids) {
  if (record_ids.empty()) return Done{};
  try {
    Transaction tx(db_);
    Stmt del(db_, "DELETE FROM outbox WHERE record_id = ?");
    for (const auto& id : record_ids) {
      del.bind(1, id).run();
      del.reset();
    }
    tx.commit();
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return Done{};
}

Result<Done, StoreError> Store::outbox_note_failure(const std::vector<std::string>& record_ids,
                                                    const std::string& error) {
  if (record_ids.empty()) return Done{};
  try {
    Transaction tx(db_);
    Stmt up(db_, "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE record_id = ?");
    for (const auto& id : record_ids) {
      up.bind(1, error).bind(2, id).run();
      up.reset();
    }
    tx.commit();
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return Done{};
}

std::optional<std::string> Store::setting(const std::string& key) const {
  try {
    Stmt q(db_, "SELECT value FROM setting WHERE key = ?");
    q.bind(1, key);
    if (q.step()) return q.text(0);
  } catch (const SqlFailure&) {
  }
  return std::nullopt;
}

std::vector<std::string> Store::office_forms() const {
  std::vector<std::string> out;
  try {
    Stmt q(db_, "SELECT definition FROM office_form ORDER BY id");
    while (q.step()) out.push_back(q.text(0));
  } catch (const SqlFailure&) {
  }
  return out;
}

Result<Done, StoreError> Store::set_setting(const std::string& key, const std::string& value) {
  try {
    Stmt set(db_, "INSERT INTO setting(key, value) VALUES (?, ?) "
                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    set.bind(1, key).bind(2, value).run();
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return Done{};
}

int Store::retention_days() const {
  auto v = setting("retention_days");
  if (!v || v->empty() || v->size() > 5) return kDefaultRetentionDays;
  int days = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return kDefaultRetentionDays;
    days = days * 10 + (c - '0');
  }
  return days;
}

Result<PurgeSummary, StoreError> Store::purge_personal_data(std::int64_t now_ms) {
  PurgeSummary sum;
  const std::int64_t cutoff_s = now_ms / 1000 - std::int64_t{retention_days()} * 86400;
  try {
    // Wiped text is overwritten in the file too, not left in free pages.
    exec(db_, "PRAGMA secure_delete = ON");
    Transaction tx(db_);
    Stmt ended(db_, "SELECT id FROM meeting WHERE ends_at <= ? AND EXISTS (SELECT 1 FROM rsvp WHERE "
                    "rsvp.meeting_id = meeting.id AND (first_name <> '' OR last_name <> '' OR email <> ''))");
    ended.bind(1, cutoff_s);
    std::vector<std::string> meetings;
    while (ended.step()) meetings.push_back(ended.text(0));
    Stmt unsent(db_, "SELECT 1 FROM outbox o JOIN check_in c ON c.id = o.record_id WHERE c.meeting_id = ? LIMIT 1");
    Stmt wipe(db_, "UPDATE rsvp SET first_name = '', last_name = '', email = '' WHERE meeting_id = ? "
                   "AND (first_name <> '' OR last_name <> '' OR email <> '')");
    for (const auto& m : meetings) {
      unsent.reset();
      if (unsent.bind(1, m).step()) {
        ++sum.waiting;  // the server does not hold every check-in yet: the roster stays for now
        continue;
      }
      wipe.reset();
      wipe.bind(1, m).run();
      sum.rsvps += sqlite3_changes(db_);
      ++sum.meetings;
    }
    tx.commit();
    // The old text also sits in the write-ahead log until a checkpoint: take it now (best effort).
    if (sum.rsvps > 0) sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return sum;
}

std::string Store::integrity_check() const {
  try {
    Stmt q(db_, "PRAGMA integrity_check");
    std::string out;
    while (q.step()) out += (out.empty() ? "" : "; ") + q.text(0);
    return out;
  } catch (const SqlFailure& f) {
    return f.message;
  }
}

}  // namespace cate

// The SQLite central store on a real file: keys, meetings, RSVPs, ticket serials, revocations,
// persistence across reopening, file mode, and schema versions.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sync/admin/central_store.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/ticket.hpp"

using namespace cate;

namespace {

// A fresh folder under the system's temp folder, removed with everything in it afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cate-store-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

std::unique_ptr<CentralStore> open_ok(const std::string& path) {
  auto store = open_sqlite_central_store(path);
  if (!store) FAIL("cannot open the store: " << store.error());
  return std::move(*store);
}

int raw_user_version(const std::string& path) {
  sqlite3* db = nullptr;
  int version = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return version;
}

void raw_exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("central store: a new file is made private, in WAL mode, at the current schema") {
  TempDir dir;
  REQUIRE_FALSE(dir.path.empty());
  const std::string path = dir.file("central.db");
  {
    auto store = open_ok(path);
    CHECK(store->schema_version() == kCentralSchemaVersion);
    auto key = store->add_signing_key(SecretKey::generate(), 1000);  // writes, so the WAL exists
    REQUIRE(key);
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(raw_user_version(path) == kCentralSchemaVersion);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_CASE("central store: a file readable by others is made private when opened") {
  TempDir dir;
  const std::string path = dir.file("central.db");
  { auto store = open_ok(path); }
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  { auto store = open_ok(path); }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("central store: MustExist refuses a missing file and creates nothing") {
  TempDir dir;
  const std::string path = dir.file("missing.db");
  auto store = open_sqlite_central_store(path, OpenMode::MustExist);
  REQUIRE_FALSE(store);
  CHECK(store.error() == "no database at " + path);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("central store: signing keys, the current one, retiring") {
  TempDir dir;
  auto store = open_ok(dir.file("central.db"));
  auto none = store->current_signing_key();
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  SecretKey k1 = SecretKey::generate(), k2 = SecretKey::generate(), k3 = SecretKey::generate();
  auto r1 = store->add_signing_key(k1, 100);
  auto r2 = store->add_signing_key(k2, 200);
  auto r3 = store->add_signing_key(k3, 200);  // same second as k2: the later one is newer
  REQUIRE(r1);
  REQUIRE(r2);
  REQUIRE(r3);
  CHECK(r1->id == k1.public_key().id());
  CHECK_FALSE(store->add_signing_key(k1, 300));  // the same key twice

  auto current = store->current_signing_key();
  REQUIRE(current);
  REQUIRE(current->has_value());
  CHECK((*current)->id == r3->id);
  CHECK((*current)->secret_key.bytes == k3.bytes);

  REQUIRE(store->retire_signing_key(r3->id, 400));
  current = store->current_signing_key();
  REQUIRE(current->has_value());
  CHECK((*current)->id == r2->id);
  CHECK_FALSE(store->retire_signing_key(r3->id, 401));  // already retired
  auto unknown = store->retire_signing_key(r3->id ^ 1u, 401);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().find("no key") != std::string::npos);

  auto keys = store->signing_keys();
  REQUIRE(keys);
  REQUIRE(keys->size() == 3);
  CHECK((*keys)[0].id == r1->id);
  CHECK((*keys)[0].created_at == 100);
  CHECK_FALSE((*keys)[0].retired_at);
  CHECK((*keys)[2].retired_at == 400);
  CHECK((*keys)[1].public_key == k2.public_key());

  REQUIRE(store->retire_signing_key(r1->id, 500));
  REQUIRE(store->retire_signing_key(r2->id, 500));
  current = store->current_signing_key();
  REQUIRE(current);
  CHECK_FALSE(current->has_value());
}

TEST_CASE("central store: meetings are stored literally and listed by start") {
  TempDir dir;
  auto store = open_ok(dir.file("central.db"));
  const std::string tricky = "Robert'); DROP TABLE meetings;-- \"quoted\" \xD9\x85\xD8\xAD \xF0\x9F\x8C\x88";
  auto later = store->add_meeting("Later", 5000, 6000, 1);
  auto first = store->add_meeting(tricky, 1000, 2000, 1);
  REQUIRE(later);
  REQUIRE(first);
  CHECK(first->id != later->id);
  CHECK_FALSE(store->add_meeting("Backwards", 2000, 1000, 1));
  CHECK_FALSE(store->add_meeting("Zero length", 2000, 2000, 1));

  auto all = store->meetings();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == tricky);
  CHECK((*all)[0].id == first->id);
  CHECK((*all)[0].starts_at == 1000);
  CHECK((*all)[0].ends_at == 2000);
  CHECK((*all)[1].name == "Later");

  auto found = store->find_meeting(later->id);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->name == "Later");
  auto missing = store->find_meeting(MeetingId{12345});
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("central store: RSVPs, serials from 1, one e-mail per meeting") {
  TempDir dir;
  auto store = open_ok(dir.file("central.db"));
  auto m = store->add_meeting("Monthly", 1000, 2000, 1);
  auto other = store->add_meeting("Other", 1000, 2000, 1);
  REQUIRE(m);
  REQUIRE(other);

  auto added = store->add_rsvps(m->id,
                                {{"Ana", "O'Brien", "ana@example.org"},
                                 {"x'); DELETE FROM rsvps;--", "", ""},
                                 {"Bo", "", ""}},
                                50);
  REQUIRE(added);
  REQUIRE(added->size() == 3);
  CHECK((*added)[0].serial == 1);
  CHECK((*added)[0].rsvp.meeting == m->id);
  CHECK((*added)[0].rsvp.id != (*added)[1].rsvp.id);

  auto list = store->rsvps_for_meeting(m->id);
  REQUIRE(list);
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].rsvp.first_name == "Ana");
  CHECK((*list)[0].rsvp.last_name == "O'Brien");
  CHECK((*list)[1].rsvp.first_name == "x'); DELETE FROM rsvps;--");
  CHECK((*list)[2].rsvp.email == "");
  CHECK((*list)[2].created_at == 50);

  auto by_email = store->find_rsvp_by_email(m->id, "ANA@example.ORG");
  REQUIRE(by_email);
  REQUIRE(by_email->has_value());
  CHECK((*by_email)->rsvp.id == (*added)[0].rsvp.id);
  auto not_there = store->find_rsvp_by_email(other->id, "ana@example.org");
  REQUIRE(not_there);
  CHECK_FALSE(not_there->has_value());

  // The same address again in this meeting: refused, and nothing of that batch is stored.
  auto dup = store->add_rsvps(m->id, {{"Cy", "", ""}, {"Anita", "", "Ana@Example.org"}}, 60);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().find("already has an RSVP") != std::string::npos);
  CHECK(store->rsvps_for_meeting(m->id)->size() == 3);
  // The same address in another meeting is fine.
  CHECK(store->add_rsvps(other->id, {{"Ana", "", "ana@example.org"}}, 60));

  auto unknown_meeting = store->add_rsvps(MeetingId{7}, {{"Dee", "", ""}}, 60);
  REQUIRE_FALSE(unknown_meeting);
  CHECK(unknown_meeting.error().find("no meeting") != std::string::npos);

  auto found = store->find_rsvp((*added)[1].rsvp.id);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->rsvp.first_name == "x'); DELETE FROM rsvps;--");
  auto missing = store->find_rsvp(RsvpId{99});
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("central store: revocations and reissued serials") {
  TempDir dir;
  auto store = open_ok(dir.file("central.db"));
  auto m = store->add_meeting("Monthly", 1000, 2000, 1);
  auto other = store->add_meeting("Other", 1000, 2000, 1);
  REQUIRE(m);
  REQUIRE(other);
  auto rs = store->add_rsvps(m->id, {{"Ana", "", ""}, {"Bo", "", ""}}, 1);
  auto os = store->add_rsvps(other->id, {{"Cy", "", ""}}, 1);
  REQUIRE(rs);
  REQUIRE(os);
  const RsvpId ana = (*rs)[0].rsvp.id, bo = (*rs)[1].rsvp.id, cy = (*os)[0].rsvp.id;

  auto first = store->revoke_ticket({bo, 1}, 300);
  REQUIRE(first);
  CHECK(*first == true);
  auto again = store->revoke_ticket({bo, 1}, 301);
  REQUIRE(again);
  CHECK(*again == false);
  auto rev = store->find_revocation({bo, 1});
  REQUIRE(rev);
  REQUIRE(rev->has_value());
  CHECK((*rev)->revoked_at == 300);  // the first revocation's time is kept
  auto not_revoked = store->find_revocation({ana, 1});
  REQUIRE(not_revoked);
  CHECK_FALSE(not_revoked->has_value());
  CHECK_FALSE(store->revoke_ticket({RsvpId{5}, 1}, 300));  // no such RSVP

  auto serial = store->reissue_ticket(ana, 400);
  REQUIRE(serial);
  CHECK(*serial == 2);
  CHECK((*store->find_rsvp(ana))->serial == 2);
  CHECK(store->find_revocation({ana, 1})->has_value());
  CHECK_FALSE(store->find_revocation({ana, 2})->has_value());
  serial = store->reissue_ticket(ana, 500);
  REQUIRE(serial);
  CHECK(*serial == 3);
  CHECK_FALSE(store->reissue_ticket(RsvpId{5}, 500));

  REQUIRE(store->revoke_ticket({cy, 1}, 600));
  auto revs = store->revocations_for_meeting(m->id);
  REQUIRE(revs);
  REQUIRE(revs->size() == 3);  // bo.1, ana.1, ana.2; not the other meeting's cy.1
  CHECK((*revs)[0].ticket == TicketRef{bo, 1});
  CHECK((*revs)[1].ticket == TicketRef{ana, 1});
  CHECK((*revs)[2].ticket == TicketRef{ana, 2});
  CHECK((*revs)[2].revoked_at == 500);
}

TEST_CASE("central store: everything persists across reopening") {
  TempDir dir;
  const std::string path = dir.file("central.db");
  SecretKey key = SecretKey::generate();
  MeetingId meeting;
  RsvpId rsvp;
  {
    auto store = open_ok(path);
    REQUIRE(store->add_signing_key(key, 10));
    auto m = store->add_meeting("Quarterly", 1000, 2000, 10);
    REQUIRE(m);
    meeting = m->id;
    auto r = store->add_rsvps(meeting, {{"Zo\xC3\xAB", "", "zoe@example.org"}}, 10);
    REQUIRE(r);
    rsvp = (*r)[0].rsvp.id;
    REQUIRE(store->reissue_ticket(rsvp, 20));
  }
  auto store = open_ok(path);
  CHECK(store->schema_version() == kCentralSchemaVersion);
  auto current = store->current_signing_key();
  REQUIRE(current);
  REQUIRE(current->has_value());
  CHECK((*current)->secret_key.bytes == key.bytes);
  auto m = store->find_meeting(meeting);
  REQUIRE(m);
  REQUIRE(m->has_value());
  CHECK((*m)->name == "Quarterly");
  auto r = store->find_rsvp(rsvp);
  REQUIRE(r);
  REQUIRE(r->has_value());
  CHECK((*r)->rsvp.first_name == "Zo\xC3\xAB");
  CHECK((*r)->serial == 2);
  CHECK(store->find_revocation({rsvp, 1})->has_value());

  // What the store holds signs a ticket and a bundle that check out.
  Ticket t{0, meeting, rsvp, (*r)->serial, 500, 2500};
  auto parsed = parse_ticket(issue_ticket(t, (*current)->secret_key));
  REQUIRE(parsed);
  KeyRing ring;
  ring.add((*current)->public_key);
  auto verified = verify(*parsed, ring);
  REQUIRE(verified);
  CHECK(verified->rsvp == rsvp);
  CHECK(verified->serial == 2);
}

TEST_CASE("central store: schema versions: an old store is migrated, a newer one refused") {
  TempDir dir;
  const std::string old_path = dir.file("old.db");
  raw_exec(old_path, "CREATE TABLE unrelated (x INTEGER)");  // an SQLite file at version 0
  CHECK(raw_user_version(old_path) == 0);
  {
    auto store = open_ok(old_path);
    CHECK(store->schema_version() == kCentralSchemaVersion);
    CHECK(store->add_meeting("After migration", 1, 2, 1));
  }
  CHECK(raw_user_version(old_path) == kCentralSchemaVersion);

  const std::string new_path = dir.file("newer.db");
  { auto store = open_ok(new_path); }
  raw_exec(new_path, "PRAGMA user_version = 99");
  auto newer = open_sqlite_central_store(new_path);
  REQUIRE_FALSE(newer);
  CHECK(newer.error().find("newer cate-admin") != std::string::npos);
  CHECK(raw_user_version(new_path) == 99);  // left as it was
}

TEST_CASE("central store: a file that is not a database is refused with a message") {
  TempDir dir;
  const std::string path = dir.file("notes.db");
  {
    std::ofstream out(path);
    out << "first_name,last_name\nAna,Lopez\n this is not SQLite, just text that is long enough "
           "to fill a header page.................................................................";
  }
  auto store = open_sqlite_central_store(path, OpenMode::MustExist);
  REQUIRE_FALSE(store);
  CHECK(store.error().find(path) != std::string::npos);
}

TEST_CASE("central store: change numbers: a version 1 store is migrated, and every write, revocation and removal is tracked") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  // A store as version 1 made it (its schema, kept here as it was released), with rows in it.
  raw_exec(path, R"sql(
CREATE TABLE signing_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, secret_key TEXT NOT NULL,
  created_at INTEGER NOT NULL, retired_at INTEGER) STRICT;
CREATE TABLE meetings (meeting_id TEXT PRIMARY KEY, name TEXT NOT NULL, starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL, created_at INTEGER NOT NULL, CHECK (ends_at > starts_at)) STRICT;
CREATE TABLE rsvps (rsvp_id TEXT PRIMARY KEY, meeting_id TEXT NOT NULL REFERENCES meetings(meeting_id),
  first_name TEXT NOT NULL, last_name TEXT NOT NULL, email TEXT NOT NULL,
  serial INTEGER NOT NULL DEFAULT 1 CHECK (serial BETWEEN 1 AND 65535), created_at INTEGER NOT NULL) STRICT;
CREATE INDEX rsvps_by_meeting ON rsvps(meeting_id);
CREATE UNIQUE INDEX rsvps_email_per_meeting ON rsvps(meeting_id, lower(email)) WHERE email <> '';
CREATE TABLE revocations (rsvp_id TEXT NOT NULL REFERENCES rsvps(rsvp_id), serial INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL, PRIMARY KEY (rsvp_id, serial)) STRICT;
INSERT INTO meetings VALUES ('00000000000000a1', 'Member meeting', 1000, 2000, 900);
INSERT INTO meetings VALUES ('00000000000000b2', 'Long ago', 100, 200, 50);
INSERT INTO rsvps VALUES ('00000000000000c1', '00000000000000a1', 'Ana', 'G', 'ana@example.org', 1, 900);
INSERT INTO rsvps VALUES ('00000000000000c2', '00000000000000a1', 'Marcus', 'J', '', 1, 900);
INSERT INTO rsvps VALUES ('00000000000000c3', '00000000000000b2', 'Eli', '', '', 1, 60);
INSERT INTO revocations VALUES ('00000000000000c2', 1, 950);
PRAGMA user_version = 1;
)sql");
  auto store = open_ok(path);
  CHECK(store->schema_version() == kCentralSchemaVersion);
  const MeetingId meeting = *MeetingId::parse("00000000000000a1");

  auto all = store->changes_since(0, 1500);  // meetings ending at or after 1500
  REQUIRE(all.ok());
  CHECK(all->epoch.size() == 16);
  CHECK(all->meetings.size() == 1);  // "Long ago" ended before the window, and its RSVPs with it
  CHECK(all->rsvps.size() == 2);
  CHECK(all->revocations.size() == 1);
  CHECK(all->removed_rsvps.empty());
  const std::int64_t s0 = all->seq;
  auto none = store->changes_since(s0, 1500);
  REQUIRE(none.ok());
  CHECK(none->seq == s0);
  CHECK(none->meetings.empty());
  CHECK(none->rsvps.empty());
  CHECK(none->revocations.empty());

  // A new RSVP: one change, just that row.
  auto dana = store->add_rsvps(meeting, {{"Dana", "Lee", "dana@example.org"}}, 1200);
  REQUIRE(dana.ok());
  auto one = store->changes_since(s0, 1500);
  REQUIRE(one.ok());
  CHECK(one->seq == s0 + 1);
  REQUIRE(one->rsvps.size() == 1);
  CHECK(one->rsvps[0].id == dana->front().rsvp.id);
  CHECK(one->meetings.empty());

  // A reissued ticket: the RSVP (its serial) and the new revocation.
  const RsvpId ana = *RsvpId::parse("00000000000000c1");
  REQUIRE(store->reissue_ticket(ana, 1300).ok());
  auto reissued = store->changes_since(one->seq, 1500);
  REQUIRE(reissued.ok());
  REQUIRE(reissued->rsvps.size() == 1);
  CHECK(reissued->rsvps[0].id == ana);
  REQUIRE(reissued->revocations.size() == 1);
  CHECK(reissued->revocations[0].ticket.rsvp == ana);

  // Purged names are a change too (a kiosk must lose them as well).
  REQUIRE(store->purge_personal_data(2500).ok());
  auto purged = store->changes_since(reissued->seq, 1500);
  REQUIRE(purged.ok());
  CHECK(purged->rsvps.size() == 3);
  for (const auto& r : purged->rsvps) CHECK(r.first_name.empty());

  // A removed RSVP leaves a tombstone; its revocation goes with it.
  const RsvpId marcus = *RsvpId::parse("00000000000000c2");
  auto removed = store->remove_rsvp(marcus);
  REQUIRE(removed.ok());
  CHECK(*removed);
  CHECK(!*store->remove_rsvp(marcus));
  auto gone = store->changes_since(purged->seq, 1500);
  REQUIRE(gone.ok());
  REQUIRE(gone->removed_rsvps.size() == 1);
  CHECK(gone->removed_rsvps[0] == marcus);
  CHECK(gone->rsvps.empty());
  CHECK(!store->find_revocation(TicketRef{marcus, 1})->has_value());
  // A whole read (since 0) has no tombstones: it replaces the roster anyway.
  CHECK(store->changes_since(0, 1500)->removed_rsvps.empty());

  // The epoch is the database's: the same after reopening; another file has another.
  const std::string epoch = all->epoch;
  store.reset();
  CHECK(open_ok(path)->changes_since(0, 0)->epoch == epoch);
  CHECK(open_ok(dir.file("other.db"))->changes_since(0, 0)->epoch != epoch);
}

// Enrolment, pinning, revocation, and the office's exports and reports, over real HTTP on
// loopback: cate-syncd's server in-process with its identity key from the office's file, the
// kiosk's real Store and sync client, and the real cate-admin program for exports, reports and
// purge. Every case runs on the office's SQLite file and, with --store=postgres, wholly on a
// real PostgreSQL that tests/sync/with_postgres.sh starts (as test_sync does): the office's
// data, its identity key and the sync tables, with cate-admin run as `cate-admin --pg`.
//
// [SECTION] Fixtures    an office with an identity, kiosks enrolled by code, cate-admin runs
// [SECTION] Enrolment   happy path, used / expired / withdrawn / unknown codes, garbage requests
// [SECTION] Pinning     another server's key, unsigned answers
// [SECTION] Revocation  refused and told so, enrolled again
// [SECTION] Office      CSV export, report, purge (cate-admin)
// [SECTION] Undo and forms  undone check-ins recounted, sealed forms opened, walk-ins, form export
// [SECTION] Deltas      pulls of what changed since the cursor, the seal key, the office's forms
// [SECTION] USB         the sealed USB export, taken in at the office, then synced
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "assets/assets.hpp"
#include "kiosk/core/check_in.hpp"
#include "kiosk/core/forms.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/outbox_export.hpp"
#include "kiosk/core/store.hpp"
#include "sync/admin/central_store.hpp"
#include "sync/client/sync_client.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/enrolment.hpp"
#include "sync/protocol/sealed_form.hpp"
#include "sync/protocol/usb_export.hpp"
#include "sync/protocol/wire.hpp"
#include "sync/server/server_identity.hpp"
#include "sync/server/sync_server.hpp"
#include "sync_test_support.hpp"
#include "sync/server/sync_store.hpp"
#include "sync/server/sync_store_pg.hpp"

using namespace cate;

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Fixtures
// ---------------------------------------------------------------------------------------------
bool g_postgres = false;
using test::new_pg_database;
using test::TempDir;
using test::test_rng;
using test::wall_ms;





/// The office: its database file (central store, sync tables, identity key) and its server.
struct Office {
  TempDir dir{"office"};
  std::unique_ptr<CentralStore> central;
  std::unique_ptr<SyncStore> records;
  std::unique_ptr<SyncServer> server;
  SecretKey key = SecretKey::generate();
  SecretKey identity;
  Meeting meeting;
  std::vector<Rsvp> rsvps;
  std::string pg;

  explicit Office(std::vector<std::string> first_names = {"Ana", "Marcus", "José"}, bool with_identity = true) {
    const std::int64_t now_s = wall_ms() / 1000;
    if (g_postgres) pg = new_pg_database("enrol");
    auto c = g_postgres ? open_pg_central_store(pg) : open_sqlite_central_store(db());
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
    central = std::move(*c);
    REQUIRE(central->add_signing_key(key, now_s).ok());
    auto m = central->add_meeting("Member meeting", now_s - 3600, now_s + 7200, now_s);
    REQUIRE(m.ok());
    meeting = *m;
    std::vector<NewRsvp> people;
    for (std::size_t i = 0; i < first_names.size(); ++i)
      people.push_back({first_names[i], "Test", "p" + std::to_string(i) + "@example.org"});
    auto added = central->add_rsvps(meeting.id, people, now_s);
    REQUIRE(added.ok());
    for (const auto& r : *added) rsvps.push_back(r.rsvp);
    auto s = g_postgres ? open_pg_sync_store(pg) : open_sqlite_sync_store(db());
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
    records = std::move(*s);
    auto id = central->server_identity(/*create=*/true);
    REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error()));
    identity = **id;
    SyncServerConfig config;
    config.log = [](std::string_view) {};
    if (with_identity) config.identity = identity;
    server = std::make_unique<SyncServer>(*records, *central, config);
    REQUIRE(server->start().ok());
  }
  std::string db() const { return dir.path + "/office.db"; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::string fingerprint() const { return server_key_fingerprint(identity.public_key()); }
  /// What `cate-admin device add NAME` makes: the enrolment kept, and the code's text.
  std::string new_code(const std::string& name, std::int64_t valid_ms = 24 * 3600 * 1000) {
    std::string token = new_enrolment_token();
    const std::int64_t now = wall_ms();
    auto r = records->add_enrolment({name, token, now, now + valid_ms});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    return format_enrolment_code({url(), token, fingerprint()});
  }
  std::string code_for(const Rsvp& r) const {
    return issue_ticket(Ticket{0, meeting.id, r.id, 1, meeting.starts_at - 3600, meeting.ends_at + 3600}, key);
  }
  DeviceListing device(const std::string& name) {
    auto list = records->devices(wall_ms());
    REQUIRE(list.ok());
    for (const auto& d : *list)
      if (d.name == name && !d.device_id.empty()) return d;
    FAIL("no device named " << name);
    return {};
  }
};

/// A kiosk: its own store; enrolled by an enrolment code's text.
struct Kiosk {
  TempDir dir{"kiosk"};
  std::unique_ptr<Store> store;
  std::unique_ptr<KioskSync> sync;
  std::optional<Enrolled> enrolled;

  Kiosk() {
    auto s = Store::open(dir.path + "/kiosk.db");
    REQUIRE(s.ok());
    store = std::move(*s);
    sync = std::make_unique<KioskSync>(*store);
  }
  Result<Enrolled, EnrolFailure> enrol(const std::string& code_text) {
    auto code = parse_enrolment_code(code_text);
    REQUIRE_MESSAGE(code.ok(), (code.ok() ? "" : code.error()));
    auto e = enrol_device(*code, store->device_id(), 3000);
    if (e) enrolled = *e;
    return e;
  }
  /// A client for the enrolled server (or `url`, to point it elsewhere), pinned to its key.
  std::unique_ptr<SyncClient> client(const std::string& url = "", const std::string& token = "") {
    REQUIRE(enrolled);
    SyncClientConfig c;
    c.server_url = url.empty() ? enrolled->server_url : url;
    c.device_id = store->device_id();
    c.device_token = token.empty() ? enrolled->device_token : token;
    c.server_key = enrolled->server_key;
    c.connect_timeout_ms = 1000;
    c.request_timeout_ms = 3000;
    return std::make_unique<SyncClient>(c);
  }
  RoundReport round() { return client()->round(*sync, *sync); }
  ScanOutcome check_in(const std::string& code) {
    return check_in_code(*store, code, {wall_ms(), CheckInMethod::Scanner}).outcome;
  }
};

/// Runs cate-admin (the program ctest names) with these arguments; its exit status and stdout.
std::pair<int, std::string> cate_admin(const Office& o, std::vector<std::string> args, bool with_stderr = false) {
  const char* exe = std::getenv("CATE_ADMIN");
  REQUIRE_MESSAGE(exe, "--admin=PROGRAM (or CATE_ADMIN) names cate-admin; ctest passes it");
  // On PostgreSQL the office's data and the sync tables are both there: `cate-admin --pg`.
  std::string cmd = std::string("'") + exe + "' " + (g_postgres ? "--pg '" + o.pg : "--db '" + o.db()) + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += with_stderr ? " 2>&1" : " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Enrolment
// ---------------------------------------------------------------------------------------------
TEST_CASE("a kiosk enrolled by QR code gets a credential, pins the server, and syncs exactly once") {
  Office office;
  Kiosk kiosk;
  auto e = kiosk.enrol(office.new_code("Front door"));
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message));
  CHECK(e->name == "Front door");
  CHECK(e->server_key == office.identity.public_key());
  CHECK(e->server_url == office.url());
  CHECK(e->device_token.size() >= 40);

  auto first = kiosk.round();  // provisions the kiosk
  REQUIRE_MESSAGE(first.ok, first.error);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  auto rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  CHECK(kiosk.store->outbox_size() == 0);

  DeviceListing d = office.device("Front door");
  CHECK(d.state == "enrolled");
  CHECK(d.device_id == kiosk.store->device_id());
  CHECK(d.records == 1);
  CHECK(d.enrolled_at_ms.has_value());
  CHECK(d.last_seen_ms.has_value());
  CHECK(d.queue_depth == std::optional<std::int64_t>(1));  // as the kiosk said with its upload
  // The identity key is made once and kept.
  auto again = office.central->server_identity(/*create=*/true);
  REQUIRE(again.ok());
  CHECK((*again)->public_key() == office.identity.public_key());
  if (!g_postgres) {  // the file keeps it where cate-syncd has always read it
    auto file = load_or_create_server_identity(office.db());
    REQUIRE(file.ok());
    CHECK(file->public_key() == office.identity.public_key());
  }
}

TEST_CASE("a used, expired, withdrawn or unknown enrolment code is refused with a clear error") {
  Office office;
  std::string code = office.new_code("Front door");
  Kiosk first, second;
  REQUIRE(first.enrol(code).ok());
  auto used = second.enrol(code);
  REQUIRE_FALSE(used.ok());
  CHECK(used.error().code == "enrolment_used");
  CHECK(used.error().message.find("already used") != std::string::npos);

  auto expired = second.enrol(office.new_code("Booth", -1000));
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == "enrolment_expired");
  CHECK(expired.error().message.find("expired") != std::string::npos);

  std::string withdrawn_code = office.new_code("Spare");
  auto n = office.records->revoke_by_name("Spare", wall_ms());
  REQUIRE(n.ok());
  CHECK(*n == 1);
  auto withdrawn = second.enrol(withdrawn_code);
  REQUIRE_FALSE(withdrawn.ok());
  CHECK(withdrawn.error().code == "enrolment_withdrawn");

  auto unknown = second.enrol(format_enrolment_code({office.url(), new_enrolment_token(), office.fingerprint()}));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "enrolment_unknown");

  // A name in use is not given twice; the listing shows each state.
  CHECK_FALSE(office.records->add_enrolment({"Front door", new_enrolment_token(), wall_ms(), wall_ms() + 1000}).ok());
  auto list = office.records->devices(wall_ms());
  REQUIRE(list.ok());
  std::map<std::string, std::string> states;
  for (const auto& d : *list) states[d.name] = d.state;
  CHECK(states["Front door"] == "enrolled");
  CHECK(states["Booth"] == "expired");
  CHECK(states["Spare"] == "withdrawn");
  CHECK_FALSE(second.store->setting("sync_token"));
}

TEST_CASE("garbage, oversized and malformed enrolment requests get clear signed errors and the server stays up") {
  Office office;
  httplib::Client http("127.0.0.1", office.server->port());
  http.set_read_timeout(3, 0);
  auto check = [&](const std::string& body, int status, const std::string& code) {
    auto r = http.Post("/v1/enrol", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == status);
    auto e = wire::parse_error_body(r->body);
    REQUIRE_MESSAGE(e.ok(), r->body);
    CHECK(e->code == code);
    CHECK(r->has_header(wire::kSignatureHeader));
  };
  check("{not json", 400, "bad_request");
  check("[]", 400, "bad_request");
  check(R"({"protocol":1,"type":"enrol_request","token":"X","device_id":"d","box_key":"short"})", 400, "bad_request");
  check(R"({"protocol":2,"type":"enrol_request","token":"X","device_id":"d","box_key":"x"})", 400, "bad_request");
  check(std::string(10000, 'x'), 413, "too_large");
  auto h = http.Get("/v1/health");
  REQUIRE(h);
  CHECK(h->status == 200);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Pinning
// ---------------------------------------------------------------------------------------------
TEST_CASE("a server with another key is refused at enrolment and afterwards, and nothing it says is taken") {
  Office office;
  Office impostor;  // another office's server: another identity key
  REQUIRE(office.identity.public_key() != impostor.identity.public_key());

  // A code naming the office's key, but the address leads to the other server.
  Kiosk kiosk;
  std::string token = new_enrolment_token();
  REQUIRE(impostor.records->add_enrolment({"Front door", token, wall_ms(), wall_ms() + 60000}).ok());
  auto wrong = kiosk.enrol(format_enrolment_code({impostor.url(), token, office.fingerprint()}));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == "wrong_server");
  CHECK(wrong.error().message.find("not the one named") != std::string::npos);

  // Enrolled with the office, then pointed at the other server (a token valid there): refused.
  REQUIRE(kiosk.enrol(office.new_code("Front door")).ok());
  REQUIRE(kiosk.round().ok);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  // (The first attempt enrolled this device ID there; a credential we know replaces that one.)
  std::string other_token = new_device_token(), other_code = new_enrolment_token();
  REQUIRE(impostor.records->add_enrolment({"Again", other_code, wall_ms(), wall_ms() + 60000}).ok());
  auto swapped = impostor.records->redeem_enrolment(other_code, kiosk.store->device_id(), other_token, wall_ms());
  REQUIRE(swapped.ok());
  REQUIRE(swapped->device);
  auto rep = kiosk.client(impostor.url(), other_token)->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK(rep.failure == SyncFailure::Identity);
  CHECK(rep.error.find("not signed by the server this kiosk was enrolled with") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);  // its "stored" was not believed

  // A server that signs nothing (an old one, or a fake) is refused the same way.
  Office unsigned_office({"Ana"}, /*with_identity=*/false);
  REQUIRE(unsigned_office.records->add_device({kiosk.store->device_id(), "x", wall_ms(), {}, {}}, other_token).ok());
  rep = kiosk.client(unsigned_office.url(), other_token)->round(*kiosk.sync, *kiosk.sync);
  CHECK(rep.failure == SyncFailure::Identity);
  CHECK(kiosk.store->outbox_size() == 1);

  // Its own server still takes it.
  rep = kiosk.round();
  CHECK(rep.ok);
  CHECK(kiosk.store->outbox_size() == 0);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Revocation
// ---------------------------------------------------------------------------------------------
TEST_CASE("a revoked kiosk is refused on its next request and told so, keeps its records, and can be enrolled again") {
  Office office;
  Kiosk kiosk;
  REQUIRE(kiosk.enrol(office.new_code("Front door")).ok());
  REQUIRE(kiosk.round().ok);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[1])) == ScanOutcome::CheckedIn);
  auto n = office.records->revoke_by_name("Front door", wall_ms());
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(office.device("Front door").state == "revoked");

  auto rep = kiosk.round();
  CHECK_FALSE(rep.ok);
  CHECK(rep.http_status == 403);
  CHECK(rep.error_code == "device_revoked");
  CHECK(rep.error.find("withdrawn") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);

  // A new code from the office: the same kiosk is enrolled again and its record goes.
  REQUIRE(kiosk.enrol(office.new_code("Front door")).ok());
  rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  CHECK(office.device("Front door").state == "enrolled");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Office
// ---------------------------------------------------------------------------------------------
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_CASE("cate-admin exports check-ins as Excel-safe CSV and reports a known scenario's numbers") {
  Office office({"=SUM(A1:A9)", "+1 555", "-2", "@home", "Ana \"Nita\""});
  Kiosk front, booth;
  REQUIRE(front.enrol(office.new_code("Front door")).ok());
  REQUIRE(booth.enrol(office.new_code("Booth")).ok());
  for (Kiosk* k : {&front, &booth}) {
    REQUIRE(k->round().ok);
    REQUIRE(k->store->set_active_meeting(office.meeting.id).ok());
  }
  // Front door: three people, and one of them again (refused: already checked in).
  for (int i : {0, 1, 2}) REQUIRE(front.check_in(office.code_for(office.rsvps[i])) == ScanOutcome::CheckedIn);
  REQUIRE(front.check_in(office.code_for(office.rsvps[1])) == ScanOutcome::AlreadyCheckedIn);
  // Booth, offline: person 0 again (a duplicate at the server), persons 3 and 4, and a damaged code.
  REQUIRE(booth.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  REQUIRE(booth.check_in(office.code_for(office.rsvps[3])) == ScanOutcome::CheckedIn);
  REQUIRE(booth.check_in(office.code_for(office.rsvps[4])) == ScanOutcome::CheckedIn);
  ScanOutcome bad = booth.check_in("not a ticket");
  REQUIRE(bad != ScanOutcome::CheckedIn);
  REQUIRE(front.round().ok);
  REQUIRE(booth.round().ok);

  auto [rc, out] = cate_admin(office, {"report", "--meeting", office.meeting.id.str()});
  REQUIRE(rc == 0);
  auto has = [&](const std::string& line) { CHECK_MESSAGE(out.find(line + "\n") != std::string::npos, out); };
  has("rsvps\t5");
  has("checked_in\t5");
  has("walk_ins\t0");
  has("duplicates\t1");
  has("failed_scans\t2");
  has("failed_scans.already_checked_in\t1");
  has(std::string("failed_scans.") + outcome_code(bad) + "\t1");
  // Each kiosk: 3 check-ins and 1 refused scan.
  CHECK(out.find("device\tFront door\tlast_seen=") != std::string::npos);
  CHECK(out.find("device\tBooth\tlast_seen=") != std::string::npos);
  CHECK(out.find("\trecords=0\t") == std::string::npos);
  CHECK(out.find("\trecords=4\t") != out.rfind("\trecords=4\t"));

  const std::string csv_path = office.dir.path + "/checkins.csv";
  auto [rc2, out2] = cate_admin(office, {"export", "checkins", "--meeting", office.meeting.id.str(), "--out", csv_path});
  REQUIRE(rc2 == 0);
  std::string csv = read_file(csv_path);
  REQUIRE(csv.size() > 3);
  CHECK(csv.rfind("\xEF\xBB\xBF\"checked_in_at\",", 0) == 0);
  std::size_t lines = 0;
  for (std::size_t i = 0; i < csv.size(); ++i)
    if (csv[i] == '\n') {
      ++lines;
      CHECK(i > 0);
      CHECK(csv[i - 1] == '\r');
    }
  CHECK(lines == 7);  // the header and six check-ins (one a duplicate)
  CHECK(csv.find("\"'=SUM(A1:A9)\"") != std::string::npos);
  CHECK(csv.find("\"'+1 555\"") != std::string::npos);
  CHECK(csv.find("\"'-2\"") != std::string::npos);
  CHECK(csv.find("\"'@home\"") != std::string::npos);
  CHECK(csv.find("\"Ana \"\"Nita\"\"\"") != std::string::npos);
  CHECK(csv.find("\"duplicate\"") != std::string::npos);
  CHECK(csv.find("\"Front door\"") != std::string::npos);
  CHECK(csv.find(",=") == std::string::npos);  // no field starts unquoted

  auto [rc3, out3] = cate_admin(office, {"export", "signups", "--meeting", office.meeting.id.str(), "--out",
                                         office.dir.path + "/signups.csv"});
  CHECK(rc3 == 1);
  CHECK_FALSE(std::filesystem::exists(office.dir.path + "/signups.csv"));

  auto [rc4, out4] = cate_admin(office, {"device", "list"});
  REQUIRE(rc4 == 0);
  CHECK(out4.find("Front door\t" + front.store->device_id() + "\tenrolled\t") != std::string::npos);
  auto [rc5, out5] = cate_admin(office, {"device", "revoke", booth.store->device_id()});
  CHECK(rc5 == 0);
  CHECK(booth.round().error_code == "device_revoked");
}

TEST_CASE("cate-admin purge wipes names and e-mails of meetings ended long enough ago and keeps the counts") {
  Office office;
  const std::int64_t now_s = wall_ms() / 1000;
  auto past = office.central->add_meeting("Spring workshop", now_s - 12 * 86400, now_s - 11 * 86400, now_s);
  REQUIRE(past.ok());
  REQUIRE(office.central->add_rsvps(past->id, {{"Dana", "Lee", "dana@example.org"}, {"Eli", "", ""}}, now_s).ok());
  auto recent = office.central->add_meeting("Last week", now_s - 3 * 86400, now_s - 3 * 86400 + 3600, now_s);
  REQUIRE(recent.ok());
  REQUIRE(office.central->add_rsvps(recent->id, {{"Fay", "Ng", "fay@example.org"}}, now_s).ok());

  auto [rc, out] = cate_admin(office, {"purge", "--older-than", "7"});
  REQUIRE(rc == 0);
  CHECK(out == "2\n");
  auto old_rsvps = office.central->rsvps_for_meeting(past->id);
  REQUIRE(old_rsvps.ok());
  REQUIRE(old_rsvps->size() == 2);  // the count survives
  for (const auto& r : *old_rsvps) {
    CHECK(r.rsvp.first_name.empty());
    CHECK(r.rsvp.last_name.empty());
    CHECK(r.rsvp.email.empty());
  }
  auto kept = office.central->rsvps_for_meeting(recent->id);
  REQUIRE(kept.ok());
  CHECK(kept->front().rsvp.first_name == "Fay");
  CHECK(office.central->rsvps_for_meeting(office.meeting.id)->front().rsvp.first_name == "Ana");

  auto [rc2, out2] = cate_admin(office, {"purge", "--older-than", "7"});
  CHECK(rc2 == 0);
  CHECK(out2 == "0\n");
  auto [rc3, out3] = cate_admin(office, {"purge", "--older-than", "soon"});
  CHECK(rc3 == 2);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Undo and forms
// ---------------------------------------------------------------------------------------------
/// An outbox in memory: records in the order given, as a kiosk would upload them.
struct MemoryOutbox final : OutboxSource {
  std::vector<OutboxRecord> waiting;
  std::map<std::string, std::string> kept;  ///< record ID -> why the server did not take it
  std::int64_t last_position = 0;
  void add(const std::string& kind, const nlohmann::json& payload, std::int64_t at_ms = 0) {
    if (at_ms == 0) at_ms = wall_ms();
    OutboxRecord r;
    r.position = ++last_position;
    r.record = {Uuid::v7(at_ms), kind, at_ms, payload.dump()};
    waiting.push_back(r);
  }
  Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after) override {
    std::vector<OutboxRecord> out;
    for (const auto& r : waiting)
      if (r.position > after && out.size() < max) out.push_back(r);
    return out;
  }
  Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& ids) override {
    for (const auto& id : ids)
      std::erase_if(waiting, [&](const OutboxRecord& r) { return r.record.record_id == id; });
    return std::monostate{};
  }
  Result<std::monostate, std::string> keep(const std::vector<Uuid>& ids, std::string_view why) override {
    for (const auto& id : ids) kept[id.str()] = std::string(why);
    return std::monostate{};
  }
  std::int64_t pending() override { return static_cast<std::int64_t>(waiting.size()); }
};

/// The undo payload exactly as the kiosk's Store::undo_check_in writes it.
nlohmann::json undo_payload(const Uuid& undo_id, const std::string& device, const Uuid& check_in,
                            const Office& o, const Rsvp& r, std::int64_t at_ms) {
  return {{"id", undo_id.str()}, {"device", device}, {"check_in", check_in.str()}, {"meeting", o.meeting.id.str()},
          {"rsvp", r.id.str()}, {"at_ms", at_ms}};
}

std::vector<ServerCheckIn> server_check_ins(Office& o) {
  auto rows = o.records->check_ins(o.meeting.id.str());
  REQUIRE(rows.ok());
  return *rows;
}

TEST_CASE("a check-in undone on the kiosk is not counted at the server and the report says so") {
  Office office({"Ana", "Marcus", "José"});
  Kiosk front;
  REQUIRE(front.enrol(office.new_code("Front door")).ok());
  REQUIRE(front.round().ok);
  REQUIRE(front.store->set_active_meeting(office.meeting.id).ok());
  auto ana = front.store->check_in_rsvp(office.rsvps[0].id, CheckInMethod::Staff, wall_ms() - 5000);
  auto marcus = front.store->check_in_rsvp(office.rsvps[1].id, CheckInMethod::Staff, wall_ms() - 4000);
  REQUIRE((ana.ok() && ana->record && marcus.ok() && marcus->record));
  // Marcus was picked by mistake: staff undo it before and after a sync.
  REQUIRE(front.round().ok);
  auto undone = front.store->undo_check_in(marcus->record->id, wall_ms());
  REQUIRE((undone.ok() && *undone));
  auto rep = front.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  CHECK(front.store->outbox_size() == 0);
  auto rows = server_check_ins(office);
  REQUIRE(rows.size() == 2);
  for (const auto& r : rows) {
    CHECK(r.undone == (r.rsvp_id == office.rsvps[1].id.str()));
    CHECK(r.counted == (r.rsvp_id == office.rsvps[0].id.str()));
  }
  auto c = office.records->counts();
  REQUIRE(c.ok());
  CHECK(c->attended == 1);
  CHECK(c->undos == 1);
  auto [rc, out] = cate_admin(office, {"report", "--meeting", office.meeting.id.str()});
  REQUIRE(rc == 0);
  CHECK_MESSAGE(out.find("checked_in\t1\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("duplicates\t0\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("undone\t1\n") != std::string::npos, out);
  const std::string csv_path = office.dir.path + "/checkins.csv";
  auto [rc2, out2] = cate_admin(office, {"export", "checkins", "--meeting", office.meeting.id.str(), "--out", csv_path});
  REQUIRE(rc2 == 0);
  CHECK(read_file(csv_path).find("\"undone\"") != std::string::npos);
}

TEST_CASE("undoing the check-in that counted makes the next earliest one of that RSVP count") {
  Office office({"Ana", "Marcus"});
  Kiosk front, booth;
  REQUIRE(front.enrol(office.new_code("Front door")).ok());
  REQUIRE(booth.enrol(office.new_code("Booth")).ok());
  for (Kiosk* k : {&front, &booth}) {
    REQUIRE(k->round().ok);
    REQUIRE(k->store->set_active_meeting(office.meeting.id).ok());
  }
  const std::int64_t t = wall_ms();
  auto at_door = front.store->check_in_rsvp(office.rsvps[0].id, CheckInMethod::Staff, t - 60'000);
  auto at_booth = booth.store->check_in_rsvp(office.rsvps[0].id, CheckInMethod::Scanner, t - 30'000);
  REQUIRE((at_door.ok() && at_door->record && at_booth.ok() && at_booth->record));
  REQUIRE(front.round().ok);
  REQUIRE(booth.round().ok);
  auto rows = server_check_ins(office);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].record_id == at_door->record->id.str());
  CHECK(rows[0].counted);
  CHECK_FALSE(rows[1].counted);

  // The door's check-in was a mistake (another Ana): undone there, the booth's now counts.
  REQUIRE(*front.store->undo_check_in(at_door->record->id, wall_ms()));
  REQUIRE(front.round().ok);
  rows = server_check_ins(office);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].undone);
  CHECK_FALSE(rows[0].counted);
  CHECK(rows[1].record_id == at_booth->record->id.str());
  CHECK(rows[1].counted);
  auto [rc, out] = cate_admin(office, {"report", "--meeting", office.meeting.id.str()});
  REQUIRE(rc == 0);
  CHECK_MESSAGE(out.find("checked_in\t1\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("duplicates\t0\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("undone\t1\n") != std::string::npos, out);

  // Undone at the booth too: nobody counts for Ana.
  REQUIRE(*booth.store->undo_check_in(at_booth->record->id, wall_ms()));
  REQUIRE(booth.round().ok);
  auto c = office.records->counts();
  REQUIRE(c.ok());
  CHECK(c->attended == 0);
  CHECK(c->check_ins == 2);
}

TEST_CASE("an undo that arrives before its check-in is kept and applied when the check-in comes, once") {
  Office office({"Ana", "Marcus"});
  Kiosk front;
  REQUIRE(front.enrol(office.new_code("Front door")).ok());
  REQUIRE(front.round().ok);
  const std::int64_t t = wall_ms();
  const Uuid check_in = Uuid::v7(t - 10'000), undo = Uuid::v7(t - 5'000);
  const std::string device = front.store->device_id();
  MemoryOutbox first;  // the undo alone (its check-in went out in a batch that was lost)
  first.waiting.push_back({1, {undo, "undo", t - 5'000, undo_payload(undo, device, check_in, office, office.rsvps[0], t - 5'000).dump()}, 0});
  auto rep = front.client()->upload(first);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  // Then the undone check-in arrives, with a later one of Ana that stands: the later one counts.
  MemoryOutbox second;
  const Uuid later = Uuid::v7(t - 2'000);
  nlohmann::json ci = {{"meeting", office.meeting.id.str()}, {"rsvp", office.rsvps[0].id.str()}, {"method", "staff"}};
  second.waiting.push_back({1, {check_in, "check_in", t - 10'000, ci.dump()}, 0});
  second.waiting.push_back({2, {later, "check_in", t - 2'000, ci.dump()}, 0});
  // The undo again: a duplicate, changing nothing.
  second.waiting.push_back({3, {undo, "undo", t - 5'000, undo_payload(undo, device, check_in, office, office.rsvps[0], t - 5'000).dump()}, 0});
  rep = front.client()->upload(second);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 2);
  CHECK(rep.duplicate == 1);
  auto rows = server_check_ins(office);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].record_id == check_in.str());
  CHECK(rows[0].undone);
  CHECK_FALSE(rows[0].counted);
  CHECK(rows[1].record_id == later.str());
  CHECK(rows[1].counted);
  CHECK_FALSE(rows[1].undone);
  // An undo naming another RSVP than its check-in's applies to nothing; an unreadable one is refused for good.
  MemoryOutbox third;
  const Uuid stray = Uuid::v7(t);
  third.waiting.push_back({1, {stray, "undo", t, undo_payload(stray, device, later, office, office.rsvps[1], t).dump()}, 0});
  third.waiting.push_back({2, {Uuid::v7(t), "undo", t, R"({"check_in":"nope"})"}, 0});
  rep = front.client()->upload(third);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  CHECK(rep.refused_permanent == 1);
  rows = server_check_ins(office);
  CHECK(rows[1].counted);
  auto c = office.records->counts();
  REQUIRE(c.ok());
  CHECK(c->attended == 1);
  CHECK(c->undos == 2);
}

/// A form as the kiosk makes it: the person's answers sealed to the server's identity.
nlohmann::json form_payload(const Office& o, const std::string& form, const nlohmann::ordered_json& fields,
                            const std::string& language, const PublicKey& seal_to, bool with_meeting = true) {
  nlohmann::ordered_json inner = {{"form", form}, {"form_version", 1}, {"language", language}, {"fields", fields}};
  auto sealed = seal_for_server(inner.dump(), seal_to);
  REQUIRE(sealed.ok());
  nlohmann::json p = {{"id", Uuid::v7_now().str()}, {"form", form}, {"form_version", 1}, {"at_ms", wall_ms()},
                      {"sealed", *sealed}};
  if (with_meeting) p["meeting"] = o.meeting.id.str();
  return p;
}

TEST_CASE("sealed forms are opened at the server, walk-ins counted, and exported as Excel-safe CSV") {
  Office office({"Ana"});
  Kiosk booth;
  REQUIRE(booth.enrol(office.new_code("Booth")).ok());
  REQUIRE(booth.round().ok);
  const PublicKey server = office.identity.public_key();
  MemoryOutbox outbox;
  std::int64_t at = wall_ms() - 60'000;  // a second apart: the export's order is the order they were made
  outbox.add("form", form_payload(office, "ally_network",
                                  {{"first_name", "José 🌻"}, {"organisation", "=HYPERLINK(\"http://x.example\",\"click\")"},
                                   {"interests", {"training", "volunteering"}}, {"consent", true}},
                                  "es", server), at += 1000);
  outbox.add("form", form_payload(office, "ally_network",
                                  {{"first_name", "Marcus"}, {"email", "marcus@example.org"}, {"consent", false}},
                                  "en", server, false), at += 1000);
  outbox.add("form", form_payload(office, "walk_in", {{"first_name", "Dana"}, {"last_name", "Lee"}}, "en", server), at += 1000);
  outbox.add("form", form_payload(office, "walk_in", {{"first_name", "Eli"}}, "en", server), at += 1000);
  // Sealed to another server's key: can never be opened here, refused for good.
  outbox.add("form", form_payload(office, "ally_network", {{"first_name", "Lost"}}, "en",
                                  SecretKey::generate().public_key()), at += 1000);
  // A walk-in without its meeting, and an envelope whose sealed form is another one: refused for good.
  outbox.add("form", form_payload(office, "walk_in", {{"first_name", "Nowhere"}}, "en", server, false), at += 1000);
  auto swapped = form_payload(office, "ally_network", {{"first_name", "Swap"}}, "en", server);
  swapped["form"] = "community_network";
  outbox.add("form", swapped, at += 1000);
  const std::size_t made = outbox.waiting.size();
  auto rep = booth.client()->upload(outbox);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 4);
  CHECK(rep.refused_permanent == 3);
  CHECK(outbox.waiting.empty());
  CHECK(made == 7);

  auto forms = office.records->forms("ally_network", std::nullopt);
  REQUIRE(forms.ok());
  REQUIRE(forms->size() == 2);
  CHECK((*forms)[0].language == "es");
  CHECK((*forms)[0].device_id == booth.store->device_id());
  CHECK((*forms)[0].meeting == office.meeting.id.str());
  CHECK_FALSE((*forms)[1].meeting.has_value());
  auto answers = nlohmann::json::parse((*forms)[0].answers);
  CHECK(answers["first_name"] == "José 🌻");
  CHECK(answers["interests"] == nlohmann::json({"training", "volunteering"}));
  auto in_meeting = office.records->forms("ally_network", office.meeting.id.str());
  REQUIRE(in_meeting.ok());
  CHECK(in_meeting->size() == 1);

  auto [rc, out] = cate_admin(office, {"report", "--meeting", office.meeting.id.str()});
  REQUIRE(rc == 0);
  CHECK_MESSAGE(out.find("walk_ins\t2\n") != std::string::npos, out);

  const std::string csv_path = office.dir.path + "/ally.csv";
  auto [rc2, out2] = cate_admin(office, {"export", "forms", "--form", "ally_network", "--out", csv_path});
  REQUIRE(rc2 == 0);
  std::string csv = read_file(csv_path);
  INFO(csv);
  CHECK(csv.rfind("\xEF\xBB\xBF\"submitted_at\",\"form\",\"form_version\",\"meeting\",\"language\",\"device\","
                  "\"record_id\",\"first_name\",\"organisation\",\"interests\",\"consent\",\"email\"\r\n",
                  0) == 0);
  CHECK(csv.find("\"José 🌻\"") != std::string::npos);
  CHECK(csv.find("\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\"") != std::string::npos);
  CHECK(csv.find(",=") == std::string::npos);
  CHECK(csv.find("\"training; volunteering\",\"yes\",\"\"\r\n") != std::string::npos);
  CHECK(csv.find("\"Marcus\",\"\",\"\",\"no\",\"marcus@example.org\"\r\n") != std::string::npos);
  CHECK(csv.find("\"Booth\"") != std::string::npos);
  std::size_t lines = 0;
  for (char ch : csv) lines += ch == '\n';
  CHECK(lines == 3);

  const std::string walk_path = office.dir.path + "/walk.csv";
  auto [rc3, out3] = cate_admin(office, {"export", "forms", "--form", "walk_in", "--meeting",
                                         office.meeting.id.str(), "--out", walk_path});
  REQUIRE(rc3 == 0);
  std::string walk = read_file(walk_path);
  CHECK(walk.find("\"Dana\",\"Lee\"") != std::string::npos);
  CHECK(walk.find("\"Eli\",\"\"") != std::string::npos);
  auto [rc4, out4] = cate_admin(office, {"export", "forms", "--out", walk_path});
  CHECK(rc4 == 2);
}

TEST_CASE("a server without its identity key keeps forms on the kiosk instead of refusing them for good") {
  Office office({"Ana"}, false);
  Kiosk booth;
  // No identity: enrolment is refused, so this kiosk is enrolled the plain way.
  const std::string token = new_device_token();
  REQUIRE(office.records->add_device({booth.store->device_id(), "Booth", wall_ms(), {}, {}}, token).ok());
  booth.enrolled = Enrolled{office.url(), token, office.identity.public_key(), "Booth"};
  SyncClientConfig c;
  c.server_url = office.url();
  c.device_id = booth.store->device_id();
  c.device_token = token;
  SyncClient client(c);
  MemoryOutbox outbox;
  outbox.add("form", form_payload(office, "walk_in", {{"first_name", "Dana"}}, "en", office.identity.public_key()));
  auto rep = client.upload(outbox);
  CHECK(rep.refused_permanent == 0);
  CHECK(outbox.waiting.size() == 1);
  REQUIRE(outbox.kept.size() == 1);
  CHECK(outbox.kept.begin()->second.find("no_identity") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Deltas
// ---------------------------------------------------------------------------------------------
/// GET /v1/pull as the kiosk would, with this cursor; the answer and the bundle in it (if any).
struct Pulled {
  wire::PullResponse response;
  std::optional<SignedBundle> bundle;
};
Pulled raw_pull(Office& office, Kiosk& kiosk, const std::string& cursor) {
  httplib::Client http("127.0.0.1", office.server->port());
  httplib::Headers headers = {{"Authorization", "Bearer " + kiosk.enrolled->device_token}};
  auto res = http.Get(("/v1/pull" + (cursor.empty() ? "" : "?cursor=" + cursor)).c_str(), headers);
  REQUIRE(res);
  REQUIRE_MESSAGE(res->status == 200, res->body);
  auto pull = wire::parse_pull_response(res->body);
  REQUIRE(pull.ok());
  Pulled out{*pull, std::nullopt};
  if (!pull->unchanged) {
    auto b = read_bundle(pull->bundle);
    REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error()));
    out.bundle = *b;
  }
  return out;
}

std::int64_t roster_size(Kiosk& kiosk, MeetingId meeting) {
  auto c = kiosk.store->counts(meeting);
  REQUIRE(c.ok());
  return c->rsvps;
}

TEST_CASE("a pull with the server's cursor carries only what changed and the kiosk merges it and converges") {
  Office office;
  Kiosk kiosk;
  // Enrolment as staff mode does it (enrol_kiosk) pins the server and makes its key the one
  // forms are sealed to.
  auto enrolled = enrol_kiosk(*kiosk.store, office.new_code("Front door"));
  REQUIRE(enrolled.ok());
  kiosk.enrolled = *enrolled;
  CHECK(kiosk.store->setting("seal_key") == office.identity.public_key().base64());
  REQUIRE(kiosk.store->set_setting("seal_key", "").ok());
  auto first = kiosk.round();
  REQUIRE_MESSAGE(first.ok, first.error);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  CHECK(roster_size(kiosk, office.meeting.id) == 3);
  // The pull's bundle carries the seal key too.
  CHECK(kiosk.store->setting("seal_key") == office.identity.public_key().base64());
  const std::string cursor = kiosk.store->setting("pull_cursor").value_or("");
  REQUIRE(!cursor.empty());

  // Nothing written since: unchanged.
  CHECK(raw_pull(office, kiosk, cursor).response.unchanged);

  // One new RSVP and one revoked ticket: the delta holds just those.
  const std::int64_t now_s = wall_ms() / 1000;
  auto dana = office.central->add_rsvps(office.meeting.id, {{"Dana", "Lee", "dana@example.org"}}, now_s);
  REQUIRE(dana.ok());
  REQUIRE(office.central->revoke_ticket(TicketRef{office.rsvps[0].id, 1}, now_s).ok());
  Pulled delta = raw_pull(office, kiosk, cursor);
  REQUIRE(delta.bundle);
  const Bundle& d = delta.bundle->bundle;
  CHECK(d.delta);
  CHECK(d.since == cursor);
  CHECK(d.meetings.empty());
  REQUIRE(d.rsvps.size() == 1);
  CHECK(d.rsvps[0].id == dana->front().rsvp.id);
  REQUIRE(d.revocations.size() == 1);
  CHECK(d.revocations[0].ticket.rsvp == office.rsvps[0].id);
  CHECK(d.removed_rsvps.empty());
  CHECK(d.keys.size() == 1);  // every key in use, always
  REQUIRE(d.seal_key);
  CHECK(*d.seal_key == office.identity.public_key());
  CHECK(delta.response.cursor != cursor);

  // The kiosk merges it: the three it had stay, Dana joins, Ana's ticket is refused.
  auto second = kiosk.round();
  REQUIRE_MESSAGE(second.ok, second.error);
  CHECK(second.pull_summary.rfind("changes:", 0) == 0);
  CHECK(roster_size(kiosk, office.meeting.id) == 4);
  CHECK(kiosk.store->rsvp(dana->front().rsvp.id));
  CHECK(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::Revoked);
  CHECK(kiosk.check_in(office.code_for(office.rsvps[1])) == ScanOutcome::CheckedIn);

  // A cancelled RSVP: the delta names it and the kiosk drops it.
  REQUIRE(office.central->remove_rsvp(office.rsvps[2].id).ok());
  Pulled removal = raw_pull(office, kiosk, kiosk.store->setting("pull_cursor").value_or(""));
  REQUIRE(removal.bundle);
  CHECK(removal.bundle->bundle.rsvps.empty());
  REQUIRE(removal.bundle->bundle.removed_rsvps.size() == 1);
  CHECK(removal.bundle->bundle.removed_rsvps[0] == office.rsvps[2].id);
  auto third = kiosk.round();
  REQUIRE_MESSAGE(third.ok, third.error);
  CHECK(roster_size(kiosk, office.meeting.id) == 3);
  CHECK(!kiosk.store->rsvp(office.rsvps[2].id));
  auto fourth = kiosk.round();
  REQUIRE_MESSAGE(fourth.ok, fourth.error);
  CHECK(fourth.pull_summary == "nothing new from the office");

  // The kiosk's roster is the office's, row for row.
  auto office_roster = office.central->rsvps_for_meeting(office.meeting.id);
  REQUIRE(office_roster.ok());
  CHECK(static_cast<std::int64_t>(office_roster->size()) == roster_size(kiosk, office.meeting.id));
  for (const auto& r : *office_roster) CHECK(kiosk.store->rsvp(r.rsvp.id));

  // A delta made for another point than the kiosk's (an old answer played again) is not taken:
  // the kiosk asks for everything next time, and converges all the same.
  {
    KioskSync stale(*kiosk.store);
    auto applied = stale.apply_pull(delta.response);
    CHECK(!applied.ok());
    CHECK(kiosk.store->setting("pull_cursor").value_or("x").empty());
    CHECK(roster_size(kiosk, office.meeting.id) == 3);
    auto whole = kiosk.round();
    REQUIRE_MESSAGE(whole.ok, whole.error);
    CHECK(whole.pull_summary.rfind("changes:", 0) != 0);
    CHECK(roster_size(kiosk, office.meeting.id) == 3);
  }

  // Cursors the server cannot continue from get everything: none, garbage, another database's,
  // one from its future, one too old.
  const std::string now_cursor = kiosk.store->setting("pull_cursor").value_or("");
  const std::string epoch = now_cursor.substr(now_cursor.find('.') + 1, 16);
  for (const std::string& c : {std::string(), std::string("1717600000456.8c1f0e2d9a7b3c44"), std::string("garbage"),
                               std::to_string(wall_ms()) + ".0123456789abcdef.1",
                               std::to_string(wall_ms()) + "." + epoch + ".999999999",
                               std::to_string(wall_ms() - 40LL * 86400 * 1000) + "." + epoch + ".1"}) {
    CAPTURE(c);
    Pulled full = raw_pull(office, kiosk, c);
    REQUIRE(full.bundle);
    CHECK(!full.bundle->bundle.delta);
    CHECK(full.bundle->bundle.rsvps.size() == 3);
    CHECK(full.bundle->bundle.revocations.size() == 1);
  }
}

/// Writes `text` to a file in `dir` and returns its path.
std::string write_text(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("a form the office changes reaches the kiosk by a pull, and cate-admin refuses a bad or older one") {
  Office office;
  Kiosk kiosk;
  auto enrolled = enrol_kiosk(*kiosk.store, office.new_code("Front door"));
  REQUIRE(enrolled.ok());
  kiosk.enrolled = *enrolled;
  auto first = kiosk.round();
  REQUIRE_MESSAGE(first.ok, first.error);
  const FormDefinition* builtin = find_builtin_form("ally_network");
  REQUIRE(builtin);
  auto before = find_form(*kiosk.store, "ally_network");
  REQUIRE(before);
  CHECK(before.get() == builtin);  // nothing from the office yet: the built-in one
  const std::string cursor = kiosk.store->setting("pull_cursor").value_or("");
  REQUIRE(!cursor.empty());

  // The office asks one more question on the Ally Network form.
  auto text = asset("forms/ally_network.json");
  REQUIRE(text);
  nlohmann::json def = nlohmann::json::parse(*text);
  def["version"] = builtin->version + 1;
  def["fields"].push_back({{"id", "pronouns"}, {"type", "text"}, {"label", {{"en", "Pronouns"}, {"es", "Pronombres"}}}});
  const std::string newer = write_text(office.dir.path, "ally_network.json", def.dump(2));
  auto [set_rc, set_out] = cate_admin(office, {"form", "set", newer});
  CHECK(set_rc == 0);
  CHECK(set_out == "ally_network\n");
  auto [list_rc, list] = cate_admin(office, {"form", "list"});
  CHECK(list_rc == 0);
  CHECK(list.find("ally_network\t" + std::to_string(builtin->version + 1) + "\t") != std::string::npos);

  // The delta carries the forms; the kiosk keeps them and uses the office's version.
  Pulled delta = raw_pull(office, kiosk, cursor);
  REQUIRE(delta.bundle);
  CHECK(delta.bundle->bundle.delta);
  CHECK(delta.bundle->bundle.rsvps.empty());
  REQUIRE(delta.bundle->bundle.forms.size() == 1);
  auto second = kiosk.round();
  REQUIRE_MESSAGE(second.ok, second.error);
  CHECK(second.pull_summary.rfind("changes:", 0) == 0);
  CHECK(second.pull_summary.find("1 new form definitions") != std::string::npos);
  auto after = find_form(*kiosk.store, "ally_network");
  REQUIRE(after);
  CHECK(after->version == builtin->version + 1);
  CHECK(after->field_index("pronouns"));
  CHECK(after->fields.size() == builtin->fields.size() + 1);
  CHECK(find_form(*kiosk.store, "walk_in").get() == find_builtin_form("walk_in"));
  CHECK(forms_in_use(*kiosk.store).size() == builtin_forms().size());

  // Nothing changed since: the next pull says so.
  auto third = kiosk.round();
  REQUIRE_MESSAGE(third.ok, third.error);
  CHECK(third.pull_summary == "nothing new from the office");
  const std::string now_cursor = kiosk.store->setting("pull_cursor").value_or("");
  CHECK(raw_pull(office, kiosk, now_cursor).response.unchanged);

  // Refused, in words, and nothing changes: a definition that does not parse, the same
  // version again, and an older one.
  nlohmann::json bad = def;
  bad["version"] = builtin->version + 2;
  bad["fields"][0]["type"] = "mail";
  auto [bad_rc, bad_out] = cate_admin(office, {"form", "set", write_text(office.dir.path, "bad.json", bad.dump())},
                                      /*with_stderr=*/true);
  CHECK(bad_rc != 0);
  CHECK_MESSAGE(bad_out.find("unknown type 'mail'") != std::string::npos, bad_out);
  auto [same_rc, same_out] = cate_admin(office, {"form", "set", newer}, true);
  CHECK(same_rc != 0);
  CHECK_MESSAGE(same_out.find("already has version " + std::to_string(builtin->version + 1)) != std::string::npos,
                same_out);
  nlohmann::json older = def;
  older["version"] = builtin->version;
  auto [old_rc, old_out] =
      cate_admin(office, {"form", "set", write_text(office.dir.path, "older.json", older.dump())}, true);
  CHECK(old_rc != 0);
  CHECK_MESSAGE(old_out.find("higher \"version\"") != std::string::npos, old_out);
  auto forms = office.central->forms();
  REQUIRE(forms.ok());
  REQUIRE(forms->size() == 1);
  CHECK(forms->front().version == builtin->version + 1);
  CHECK(raw_pull(office, kiosk, now_cursor).response.unchanged);

  // A change that is not a form: the delta leaves the forms out.
  REQUIRE(office.central->revoke_ticket(TicketRef{office.rsvps[0].id, 1}, wall_ms() / 1000).ok());
  Pulled no_forms = raw_pull(office, kiosk, now_cursor);
  REQUIRE(no_forms.bundle);
  CHECK(no_forms.bundle->bundle.forms.empty());
  // A whole pull carries them.
  Pulled whole = raw_pull(office, kiosk, "");
  REQUIRE(whole.bundle);
  CHECK(whole.bundle->bundle.forms.size() == 1);
}

TEST_CASE("a delta for 5000 RSVPs is a small part of the whole bundle and the kiosk converges") {
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("Person" + std::to_string(i));
  Office office(names);
  Kiosk kiosk;
  REQUIRE(kiosk.enrol(office.new_code("Front door")).ok());
  Pulled full = raw_pull(office, kiosk, "");
  REQUIRE(full.bundle);
  CHECK(full.bundle->bundle.rsvps.size() == 5000);
  auto first = kiosk.round();
  REQUIRE_MESSAGE(first.ok, first.error);
  CHECK(roster_size(kiosk, office.meeting.id) == 5000);
  const std::string cursor = kiosk.store->setting("pull_cursor").value_or("");

  const std::int64_t now_s = wall_ms() / 1000;
  REQUIRE(office.central->add_rsvps(office.meeting.id, {{"Dana", "Lee", "dana@example.org"}}, now_s).ok());
  REQUIRE(office.central->revoke_ticket(TicketRef{office.rsvps[17].id, 1}, now_s).ok());
  Pulled delta = raw_pull(office, kiosk, cursor);
  REQUIRE(delta.bundle);
  CHECK(delta.bundle->bundle.rsvps.size() == 1);
  CHECK(delta.bundle->bundle.revocations.size() == 1);
  const std::size_t full_bytes = full.response.bundle.size(), delta_bytes = delta.response.bundle.size();
  MESSAGE("pull of 5,000 RSVPs: whole bundle " << full_bytes << " bytes; delta (1 RSVP, 1 revocation) "
                                               << delta_bytes << " bytes");
  CHECK(delta_bytes * 100 < full_bytes);

  auto second = kiosk.round();
  REQUIRE_MESSAGE(second.ok, second.error);
  CHECK(roster_size(kiosk, office.meeting.id) == 5001);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  CHECK(kiosk.check_in(office.code_for(office.rsvps[17])) == ScanOutcome::Revoked);
  CHECK(kiosk.check_in(office.code_for(office.rsvps[18])) == ScanOutcome::CheckedIn);
}

TEST_CASE("cate-admin bundle carries the server's key to seal to once the office has one") {
  Office office;
  auto out = office.dir.path + "/meeting.bundle";
  auto [rc, text] = cate_admin(office, {"bundle", "--meeting", office.meeting.id.str(), "--out", out});
  REQUIRE(rc == 0);
  std::ifstream in(out);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto b = read_bundle(file);
  REQUIRE(b.ok());
  REQUIRE(b->bundle.seal_key);
  CHECK(*b->bundle.seal_key == office.identity.public_key());
  CHECK(!b->bundle.delta);
  // A kiosk that takes it in keeps the key, and its next pull takes everything (the stick's
  // bundle may be older than what it pulled last).
  Kiosk kiosk;
  REQUIRE(kiosk.store->set_setting("pull_cursor", "1717600000456.d112c5c157ba9907.4711").ok());
  REQUIRE(kiosk.store->import_bundle(*b, false, wall_ms()).ok());
  CHECK(kiosk.store->setting("seal_key") == office.identity.public_key().base64());
  CHECK(!kiosk.store->setting("pull_cursor").has_value());
}

// ---------------------------------------------------------------------------------------------
// [SECTION] USB
// ---------------------------------------------------------------------------------------------
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}
/// The number after "key": in cate-admin import-usb's JSON line; -1 when missing.
long json_number(const std::string& text, const std::string& key) {
  auto at = text.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::strtol(text.c_str() + at + key.size() + 3, nullptr, 10);
}

TEST_CASE("a sealed USB export taken in at the office and then synced stores each record once") {
  Office office;
  Kiosk kiosk;
  auto enrolled = enrol_kiosk(*kiosk.store, office.new_code("Front door"));
  REQUIRE(enrolled.ok());
  kiosk.enrolled = *enrolled;
  auto first = kiosk.round();
  REQUIRE_MESSAGE(first.ok, first.error);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[1])) == ScanOutcome::CheckedIn);
  REQUIRE(kiosk.check_in("CATE1-NOT-A-TICKET") != ScanOutcome::CheckedIn);  // a refused scan: a record too
  REQUIRE(kiosk.store->outbox_size() == 3);

  TempDir stick("stick");
  auto exported = export_outbox(*kiosk.store, stick.path, wall_ms());
  REQUIRE_MESSAGE(exported.ok(), (exported.ok() ? "" : exported.error().message));
  CHECK(exported->records == 3);
  CHECK(exported->enrolled);
  CHECK(exported->sealed_to == office.fingerprint());
  CHECK(kiosk.store->outbox_size() == 3);  // kept until a sync acknowledges them
  const std::string file = exported->file;
  REQUIRE(std::filesystem::exists(file));
  CHECK(std::filesystem::path(file).parent_path() == std::filesystem::path(stick.path));
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(stick.path)) files += f.is_regular_file();
  CHECK(files == 1);  // the file alone: no temporary left beside it
  // Nothing personal or secret in the clear: the token and the payloads are sealed.
  const std::string text = read_text(file);
  CHECK(text.find(enrolled->device_token) == std::string::npos);
  CHECK(text.find(office.rsvps[0].id.str()) == std::string::npos);

  auto [rc, out] = cate_admin(office, {"import-usb", file});
  REQUIRE_MESSAGE(rc == 0, out);
  CAPTURE(out);
  CHECK(json_number(out, "records") == 3);
  CHECK(json_number(out, "stored") == 3);
  CHECK(json_number(out, "duplicate") == 0);
  auto held = office.records->counts();
  REQUIRE(held.ok());
  CHECK(held->records == 3);
  CHECK(held->attended == 2);
  CHECK(held->refused_scans == 1);

  // Again: nothing changes.
  auto [rc2, out2] = cate_admin(office, {"import-usb", file});
  REQUIRE(rc2 == 0);
  CHECK(json_number(out2, "stored") == 0);
  CHECK(json_number(out2, "duplicate") == 3);

  // Then the network comes back: the server already holds them, the kiosk's outbox empties.
  auto rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.duplicate == 3);
  CHECK(rep.stored == 0);
  CHECK(kiosk.store->outbox_size() == 0);
  held = office.records->counts();
  REQUIRE(held.ok());
  CHECK(held->records == 3);
  CHECK(held->check_ins == 2);
  CHECK(held->attended == 2);
  auto rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(rows.ok());
  CHECK(rows->size() == 2);

  // Nothing left to export: no file.
  auto empty = export_outbox(*kiosk.store, stick.path, wall_ms());
  REQUIRE(empty.ok());
  CHECK(empty->records == 0);
  CHECK(empty->file.empty());
}

TEST_CASE("a damaged, foreign or unproven USB export is refused clearly and stores nothing") {
  Office office;
  Kiosk kiosk;
  auto enrolled = enrol_kiosk(*kiosk.store, office.new_code("Front door"));
  REQUIRE(enrolled.ok());
  kiosk.enrolled = *enrolled;
  REQUIRE(kiosk.round().ok);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  TempDir stick("stick");
  auto exported = export_outbox(*kiosk.store, stick.path, wall_ms());
  REQUIRE(exported.ok());
  const std::string good = read_text(exported->file);
  auto refused = [&](const std::string& name, const std::string& text, const std::string& words) {
    CAPTURE(name);
    const std::string path = stick.path + "/" + name;
    write_text(path, text);
    auto [rc, out] = cate_admin(office, {"import-usb", path}, /*with_stderr=*/true);
    CHECK(rc == 1);
    CHECK_MESSAGE(out.find(words) != std::string::npos, out);
    CHECK(out.find("nothing was stored") != std::string::npos);
    auto held = office.records->counts();
    REQUIRE(held.ok());
    CHECK(held->records == 0);
  };
  // Damaged: one character of the sealed part changed.
  std::string damaged = good;
  auto at = damaged.find("\"sealed\": \"") + 20;
  damaged[at] = damaged[at] == 'A' ? 'B' : 'A';
  refused("damaged.json", damaged, "sealed for another server, or it is damaged");
  // Cut short, as a stick pulled out too early leaves a file.
  refused("short.json", good.substr(0, good.size() / 2), "not a kiosk's USB export");
  // Foreign: sealed to another server's key.
  {
    Kiosk other;
    REQUIRE(other.store->set_setting("seal_key", SecretKey::generate().public_key().base64()).ok());
    REQUIRE(other.store->set_setting("sync_token", enrolled->device_token).ok());
    REQUIRE(other.store->import_bundle(*read_bundle(write_bundle(Bundle{}, office.key)), false, wall_ms()).ok());
    REQUIRE(other.store->record_refused_scan(ScanOutcome::Forged, CheckInMethod::Scanner, wall_ms()).ok());
    auto foreign = export_outbox(*other.store, stick.path, wall_ms());
    REQUIRE(foreign.ok());
    refused("foreign.json", read_text(foreign->file), "sealed for another server");
  }
  // Not an export at all: a bundle.
  refused("bundle.json", write_bundle(Bundle{}, office.key), "not a kiosk's USB export");
  // Another device's credential, or none: the office cannot tell it is one of its kiosks.
  {
    Kiosk stranger;
    REQUIRE(stranger.store->set_setting("seal_key", office.identity.public_key().base64()).ok());
    REQUIRE(stranger.store->record_refused_scan(ScanOutcome::Forged, CheckInMethod::Scanner, wall_ms()).ok());
    auto unproven = export_outbox(*stranger.store, stick.path, wall_ms());
    REQUIRE(unproven.ok());
    CHECK(!unproven->enrolled);
    refused("unenrolled.json", read_text(unproven->file), "--accept-unenrolled");
    REQUIRE(stranger.store->set_setting("sync_token", enrolled->device_token).ok());  // someone else's
    auto stolen = export_outbox(*stranger.store, stick.path, wall_ms());
    REQUIRE(stolen.ok());
    refused("stolen.json", read_text(stolen->file), "credential in it is not one this server knows");
    // Staff vouch for the stick: taken in under the kiosk's own ID.
    auto [rc, out] = cate_admin(office, {"import-usb", unproven->file, "--accept-unenrolled"});
    CHECK(rc == 0);
    CHECK(json_number(out, "stored") == 1);
  }
  // A revoked kiosk's export is refused.
  auto [rrc, rout] = cate_admin(office, {"device", "revoke", "Front door"});
  REQUIRE(rrc == 0);
  auto [rc, out] = cate_admin(office, {"import-usb", exported->file}, true);
  CHECK(rc == 1);
  CHECK(out.find("revoked") != std::string::npos);
}

TEST_CASE("a kiosk with no key to seal to, or no stick, exports nothing and says why") {
  Kiosk kiosk;
  REQUIRE(kiosk.store->record_refused_scan(ScanOutcome::Forged, CheckInMethod::Scanner, wall_ms()).ok());
  TempDir stick("stick");
  auto none = export_outbox(*kiosk.store, stick.path, wall_ms());
  REQUIRE(!none.ok());
  CHECK(none.error().kind == ExportFailure::Kind::NoSealKey);
  REQUIRE(kiosk.store->set_setting("seal_key", SecretKey::generate().public_key().base64()).ok());
  auto missing = export_outbox(*kiosk.store, stick.path + "/not-mounted", wall_ms());
  REQUIRE(!missing.ok());
  CHECK(missing.error().kind == ExportFailure::Kind::NoFolder);
  CHECK(missing.error().message.find("plugged in") != std::string::npos);
  write_text(stick.path + "/a-file", "x");
  auto not_folder = export_outbox(*kiosk.store, stick.path + "/a-file", wall_ms());
  REQUIRE(!not_folder.ok());
  CHECK(not_folder.error().kind == ExportFailure::Kind::NoFolder);
  CHECK(kiosk.store->outbox_size() == 1);
}

TEST_CASE("the office's signed receipt lets exported records leave the kiosk's outbox without a network") {
  Office office;
  Kiosk kiosk;
  auto enrolled = enrol_kiosk(*kiosk.store, office.new_code("Front door"));
  REQUIRE(enrolled.ok());
  kiosk.enrolled = *enrolled;
  REQUIRE(kiosk.round().ok);
  REQUIRE(kiosk.store->set_active_meeting(office.meeting.id).ok());
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[0])) == ScanOutcome::CheckedIn);
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[1])) == ScanOutcome::CheckedIn);
  TempDir stick("stick");
  auto exported = export_outbox(*kiosk.store, stick.path, wall_ms());
  REQUIRE(exported.ok());
  // A record made after the export is not in the receipt and stays.
  REQUIRE(kiosk.check_in(office.code_for(office.rsvps[2])) == ScanOutcome::CheckedIn);
  const std::string receipt_path = stick.path + "/receipt.json";
  auto [rc, out] = cate_admin(office, {"import-usb", exported->file, "--receipt", receipt_path});
  REQUIRE(rc == 0);
  const std::string receipt = read_text(receipt_path);

  // Forged, changed, or for another kiosk: refused, nothing leaves the outbox.
  UsbReceipt fake{kiosk.store->device_id(), wall_ms(), {}};
  auto batch = kiosk.store->outbox_batch(10, 0);
  REQUIRE(batch.ok());
  for (const auto& e : *batch) fake.record_ids.push_back(*Uuid::parse(e.record_id));
  auto forged = take_usb_receipt(*kiosk.store, write_usb_receipt(fake, SecretKey::generate()));
  REQUIRE(!forged.ok());
  CHECK(forged.error().find("not signed by this kiosk's server") != std::string::npos);
  std::string changed = receipt;
  const std::size_t digit = changed.find("server_clock_ms") + 19;  // a digit of the signed time
  REQUIRE(std::isdigit(static_cast<unsigned char>(changed[digit])));
  changed[digit] = changed[digit] == '9' ? '8' : '9';
  CHECK(!take_usb_receipt(*kiosk.store, changed).ok());
  Kiosk other;
  REQUIRE(other.store->set_setting("seal_key", office.identity.public_key().base64()).ok());
  auto elsewhere = take_usb_receipt(*other.store, receipt);
  REQUIRE(!elsewhere.ok());
  CHECK(elsewhere.error().find("another kiosk") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 3);

  auto taken = take_usb_receipt(*kiosk.store, receipt);
  REQUIRE_MESSAGE(taken.ok(), (taken.ok() ? "" : taken.error()));
  CHECK(*taken == 2);
  CHECK(kiosk.store->outbox_size() == 1);
  auto again = take_usb_receipt(*kiosk.store, receipt);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  // The network: only the record made after the export goes, once.
  auto rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
  CHECK(rep.duplicate == 0);
  auto held = office.records->counts();
  REQUIRE(held.ok());
  CHECK(held->records == 3);
  CHECK(held->attended == 3);
}

TEST_CASE("office writes on PostgreSQL get change numbers in commit order so a pull never skips one") {
  if (!g_postgres) return;  // SQLite has one writer at a time by construction
  Office office;
  Kiosk kiosk;
  REQUIRE(kiosk.enrol(office.new_code("Front door")).ok());
  REQUIRE(kiosk.round().ok);
  const std::string cursor = kiosk.store->setting("pull_cursor").value_or("");
  auto connect = [&] {
    PGconn* c = PQconnectdb(office.pg.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    return c;
  };
  auto exec = [](PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    CHECK_MESSAGE(PQresultStatus(r) == PGRES_COMMAND_OK, PQerrorMessage(c));
    PQclear(r);
  };
  const std::string m = office.meeting.id.str();
  auto insert = [&](const std::string& id, const std::string& name) {
    return "INSERT INTO rsvps (rsvp_id, meeting_id, first_name, last_name, email, created_at) VALUES ('" + id +
           "', '" + m + "', '" + name + "', '', '', 1)";
  };
  PGconn* a = connect();
  PGconn* b = connect();
  // A writes and has not committed; B writes after it.
  exec(a, "BEGIN");
  exec(a, insert("00000000000000aa", "Slow"));
  REQUIRE(PQsendQuery(b, insert("00000000000000bb", "Quick").c_str()) == 1);
  // B waits for A (both take the next number from the one office_change row)...
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(PQconsumeInput(b) == 1);
  CHECK(PQisBusy(b) == 1);
  // ...and a pull meanwhile sees neither, and moves its cursor past neither.
  Pulled during = raw_pull(office, kiosk, cursor);
  CHECK(during.response.unchanged);
  exec(a, "COMMIT");
  while (PGresult* r = PQgetResult(b)) {
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
  }
  PGresult* q = PQexec(a, "SELECT (SELECT change_seq FROM rsvps WHERE rsvp_id = '00000000000000aa') < "
                          "(SELECT change_seq FROM rsvps WHERE rsvp_id = '00000000000000bb')");
  CHECK(std::string(PQgetvalue(q, 0, 0)) == "t");  // the first to commit has the smaller number
  PQclear(q);
  PQfinish(a);
  PQfinish(b);
  Pulled after = raw_pull(office, kiosk, during.response.cursor);
  REQUIRE(after.bundle);
  CHECK(after.bundle->bundle.delta);
  CHECK(after.bundle->bundle.rsvps.size() == 2);
}

/// Keeps what a pull brought, unopened.
struct KeepPull final : PullTarget {
  std::string bundle;
  std::string pull_cursor() override { return {}; }
  Result<std::string, std::string> apply_pull(const wire::PullResponse& p) override {
    bundle = p.bundle;
    return std::string("kept");
  }
};

TEST_CASE("the server's pull and cate-admin's bundle carry the key kiosks seal forms to") {
  Office office({"Ana"});
  Kiosk booth;
  REQUIRE(booth.enrol(office.new_code("Booth")).ok());
  MemoryOutbox nothing;
  KeepPull pull;
  auto rep = booth.client()->round(nothing, pull);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  auto pulled = read_bundle(pull.bundle);
  REQUIRE_MESSAGE(pulled.ok(), (pulled.ok() ? "" : pulled.error()));
  REQUIRE(pulled->bundle.seal_key.has_value());
  CHECK(*pulled->bundle.seal_key == office.identity.public_key());

  const std::string path = office.dir.path + "/meeting.bundle";
  auto [rc, out] = cate_admin(office, {"bundle", "--meeting", office.meeting.id.str(), "--out", path});
  REQUIRE(rc == 0);
  auto written = read_bundle(read_file(path));
  REQUIRE(written.ok());
  REQUIRE(written->bundle.seal_key.has_value());
  CHECK(*written->bundle.seal_key == office.identity.public_key());
  // A form sealed to that key is opened by this server.
  MemoryOutbox outbox;
  outbox.add("form", form_payload(office, "walk_in", {{"first_name", "Dana"}}, "en", *written->bundle.seal_key));
  rep = booth.client()->upload(outbox);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 1);
}

}  // namespace

int main(int argc, char** argv) {
  // As test_sync: --store=postgres runs every case on PostgreSQL, under with_postgres.sh.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--store=postgres") g_postgres = true;
    else if (a.rfind("--admin=", 0) == 0) setenv("CATE_ADMIN", a.c_str() + 8, 1);
    else if (a.rfind("--with-postgres=", 0) == 0) setenv("CATE_WITH_POSTGRES", a.c_str() + 16, 1);
    else if (a != "--store=sqlite") args.push_back(argv[i]);
  }
  if (g_postgres && !std::getenv("CATE_PG_SCRATCH")) {
    const char* script = std::getenv("CATE_WITH_POSTGRES");
    if (!script) {
      std::fprintf(stderr, "test_enrol: --store=postgres needs tests/sync/with_postgres.sh (ctest passes it)\n");
      return 1;
    }
    std::vector<char*> again = {const_cast<char*>(script)};
    for (int i = 0; i < argc; ++i) again.push_back(argv[i]);
    again.push_back(nullptr);
    execv(script, again.data());
    std::fprintf(stderr, "test_enrol: cannot run %s: %s\n", script, std::strerror(errno));
    return 1;
  }
  doctest::Context context(static_cast<int>(args.size()), args.data());
  return context.run();
}

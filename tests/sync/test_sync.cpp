// Sync over real HTTP on loopback: cate-syncd's server in-process on a free port (or as a child
// process, to be killed), the kiosk's real Store and sync client, and a fault-injecting proxy
// between them. Every case runs on both sync stores: SQLite (the default) and, with
// --store=postgres, a real PostgreSQL that tests/sync/with_postgres.sh starts for the run (the
// program re-starts itself under that script when ctest has not already done so).
//
// [SECTION] Stores      which sync store the run uses; a fresh PostgreSQL database per office
// [SECTION] Fixtures    an office (central store + sync store + server), kiosks, a cate-syncd child
// [SECTION] Protocol    messages, garbage, back-off
// [SECTION] Upload      exactly once, with and without a bad network
// [SECTION] Attendance  the same RSVP on two kiosks
// [SECTION] Refusals    garbage, oversized, unknown and revoked devices, rate limit, a garbage server
// [SECTION] TLS         HTTPS with an office's own CA; another CA and plain http elsewhere refused
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <filesystem>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "fault_proxy.hpp"
#include "sync_test_support.hpp"
#include "kiosk/core/check_in.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/core/store_service.hpp"
#include "kiosk/core/sync_scheduler.hpp"
#include "sync/admin/central_store.hpp"
#include "sync/client/sync_client.hpp"
#include "sync/protocol/ids.hpp"
#include "sync/protocol/wire.hpp"
#include "sync/server/sync_server.hpp"
#include "sync/server/sync_store.hpp"
#include "sync/server/sync_store_pg.hpp"

using namespace cate;

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Stores
// ---------------------------------------------------------------------------------------------
enum class StoreKind { Sqlite, Postgres };
StoreKind g_store = StoreKind::Sqlite;
using test::new_pg_database;
using test::TempDir;
using test::test_rng;
using test::wall_ms;



// ---------------------------------------------------------------------------------------------
// [SECTION] Fixtures
// ---------------------------------------------------------------------------------------------
SyncServerConfig server_config(double per_second, double burst, std::size_t max_body = 1 << 20) {
  SyncServerConfig c;
  c.requests_per_second = per_second;
  c.request_burst = burst;
  c.max_body_bytes = max_body;
  return c;
}



/// The office: one database file shared by the central store and the sync store, and the server.
struct Office {
  TempDir dir{"office"};
  std::unique_ptr<CentralStore> central;
  std::unique_ptr<SyncStore> records;
  std::unique_ptr<SyncServer> server;
  SecretKey key = SecretKey::generate();
  Meeting meeting;
  std::vector<Rsvp> rsvps;
  std::string pg_conninfo;  ///< the sync tables' database when the run is on PostgreSQL
  std::mutex log_mutex;
  std::vector<std::string> log;
  bool tls = false;     ///< served over HTTPS
  std::string ca_file;  ///< the CA kiosks of this office trust (TLS only)

  explicit Office(int roster, SyncServerConfig config = {}, std::string trusted_ca = "")
      : tls(!config.tls_cert_file.empty()), ca_file(std::move(trusted_ca)) {
    const std::int64_t now_s = wall_ms() / 1000;
    auto c = open_sqlite_central_store(dir.path + "/office.db");
    REQUIRE(c.ok());
    central = std::move(*c);
    REQUIRE(central->add_signing_key(key, now_s).ok());
    auto m = central->add_meeting("Member meeting", now_s - 3600, now_s + 7200, now_s);
    REQUIRE(m.ok());
    meeting = *m;
    std::vector<NewRsvp> people;
    for (int i = 0; i < roster; ++i) people.push_back({"Person" + std::to_string(i), "Test", ""});
    auto added = central->add_rsvps(meeting.id, people, now_s);
    REQUIRE(added.ok());
    for (const auto& r : *added) rsvps.push_back(r.rsvp);
    if (g_store == StoreKind::Postgres) pg_conninfo = new_pg_database("office");
    auto s = open_records();
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
    records = std::move(*s);
    config.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log.emplace_back(line);
    };
    server = std::make_unique<SyncServer>(*records, *central, config);
    auto port = server->start();
    REQUIRE(port.ok());
  }
  /// Another handle on the sync store (as a second cate-syncd would have).
  StoreResult<std::unique_ptr<SyncStore>> open_records() const {
    if (g_store == StoreKind::Postgres) return open_pg_sync_store(pg_conninfo);
    return open_sqlite_sync_store(dir.path + "/office.db");
  }
  /// cate-syncd's options for these very stores.
  std::vector<std::string> syncd_args() const {
    std::vector<std::string> a = {"--db", dir.path + "/office.db"};
    if (g_store == StoreKind::Postgres) a.insert(a.end(), {"--pg", pg_conninfo});
    return a;
  }
  std::string url(int port = 0) const {
    return (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port ? port : server->port());
  }
  std::string enrol(const std::string& device_id) {
    std::string token = new_device_token();
    REQUIRE(records->add_device({device_id, "Kiosk " + device_id.substr(0, 8), wall_ms(), {}, {}}, token).ok());
    return token;
  }
  std::string code_for(const Rsvp& r) const {
    return issue_ticket(Ticket{0, meeting.id, r.id, 1, meeting.starts_at - 3600, meeting.ends_at + 3600}, key);
  }
  SyncCounts counts() {
    auto c = records->counts();
    REQUIRE(c.ok());
    return *c;
  }
};

/// A kiosk: its own store, enrolled at the office, provisioned by its first pull.
struct Kiosk {
  TempDir dir{"kiosk"};
  std::unique_ptr<Store> store;
  std::unique_ptr<KioskSync> sync;
  std::unique_ptr<SyncClient> client;
  std::string token;
  std::int64_t clock_offset_ms = 0;  ///< how far this kiosk's clock is off (a Pi without network time)
  std::string ca_file;               ///< the CA it trusts for https (its office's)

  Kiosk(Office& office, int port = 0, std::int64_t clock_offset = 0)
      : clock_offset_ms(clock_offset), ca_file(office.ca_file) {
    auto s = Store::open(dir.path + "/kiosk.db");
    REQUIRE(s.ok());
    store = std::move(*s);
    sync = std::make_unique<KioskSync>(*store);
    token = office.enrol(store->device_id());
    client = make_client(office.url(port));
    auto first = client->round(*sync, *sync);  // the first pull provisions it
    REQUIRE_MESSAGE(first.ok, first.error);
    REQUIRE(store->set_active_meeting(office.meeting.id).ok());
  }
  std::unique_ptr<SyncClient> make_client(const std::string& url) {
    SyncClientConfig c;
    c.server_url = url;
    c.device_id = store->device_id();
    c.device_token = token;
    c.batch_size = 40;
    c.connect_timeout_ms = 1000;
    c.request_timeout_ms = 1500;
    c.clock = [this] { return wall_ms() + clock_offset_ms; };
    c.ca_file = ca_file;
    return std::make_unique<SyncClient>(c);
  }
  ScanOutcome check_in(const Office& o, const Rsvp& r, std::int64_t at_ms = 0) {
    if (at_ms == 0) at_ms = wall_ms() + clock_offset_ms;
    return check_in_code(*store, o.code_for(r), {at_ms, CheckInMethod::Scanner}).outcome;
  }
  RoundReport round() { return client->round(*sync, *sync); }
};

/// cate-syncd as a child process (the program ctest names in CATE_SYNCD) on a free loopback
/// port, its log read on a thread of its own so it never blocks on a full pipe.
struct SyncdProcess {
  pid_t pid = -1;
  int port = 0;
  int log_fd = -1;
  std::thread drain;

  explicit SyncdProcess(const std::vector<std::string>& store_args) {
    const char* exe = std::getenv("CATE_SYNCD");
    REQUIRE_MESSAGE(exe, "--syncd=PROGRAM (or CATE_SYNCD) names cate-syncd; ctest passes it");
    std::vector<std::string> args = {exe};
    args.insert(args.end(), store_args.begin(), store_args.end());
    args.insert(args.end(), {"--port", "0"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      execv(exe, argv.data());
      _exit(127);
    }
    close(fds[1]);
    log_fd = fds[0];
    // Its first log line says where it listens; bounded wait.
    std::string buffer;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (port == 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{log_fd, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char chunk[4096];
      ssize_t n = read(log_fd, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (std::size_t nl; port == 0 && (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
        auto j = nlohmann::json::parse(buffer.substr(0, nl), nullptr, false);
        if (j.is_object() && j.value("event", "") == "listening") port = j.value("port", 0);
      }
    }
    REQUIRE_MESSAGE(port > 0, "cate-syncd did not start: " << buffer);
    drain = std::thread([fd = log_fd] {
      char chunk[4096];
      while (read(fd, chunk, sizeof chunk) > 0) {
      }
    });
  }
  /// SIGKILL: no chance to finish anything.
  void kill_now() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
    if (drain.joinable()) drain.join();
    if (log_fd >= 0) close(log_fd);
    log_fd = -1;
  }
  ~SyncdProcess() { kill_now(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

std::set<std::string> outbox_ids(Store& store) {
  std::set<std::string> ids;
  auto rows = store.outbox_batch(1000000, 0);
  REQUIRE(rows.ok());
  for (const auto& r : *rows) ids.insert(r.record_id);
  return ids;
}

std::set<std::string> server_ids(Office& office) {
  std::set<std::string> ids;
  auto rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(rows.ok());
  for (const auto& r : *rows) ids.insert(r.record_id);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Protocol
// ---------------------------------------------------------------------------------------------
TEST_CASE("wire: a push round-trips and garbage or other versions or other messages are clear errors") {
  wire::PushRequest req{"dev-1", 1234, {}};
  req.records.push_back({Uuid::v7_now(), "check_in", 1000, R"({"meeting":"00000000000000aa","rsvp":"1"})"});
  auto back = wire::parse_push_request(wire::to_json(req));
  REQUIRE(back.ok());
  CHECK(back->device_id == "dev-1");
  CHECK(back->records.size() == 1);
  CHECK(back->records[0].record_id == req.records[0].record_id);
  CHECK(back->records[0].payload == req.records[0].payload);

  wire::PushResponse res{99, {{req.records[0].record_id, wire::RecordStatus::Refused, true, "bad_payload", ""}}};
  auto rb = wire::parse_push_response(wire::to_json(res));
  REQUIRE(rb.ok());
  CHECK(rb->results[0].permanent);
  CHECK(rb->results[0].reason == "bad_payload");

  for (std::string_view garbage : {"", "{", "null", "[1,2]", "<html>502 Bad Gateway</html>", "\xff\xfe{}"}) {
    auto r = wire::parse_push_request(garbage);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(wire::parse_push_response(garbage).ok());
    CHECK_FALSE(wire::parse_pull_response(garbage).ok());
  }
  auto other = wire::parse_push_request(R"({"protocol":2,"type":"push_request"})");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message.find("protocol version 2") != std::string::npos);
  auto wrong = wire::parse_push_request(wire::to_json(res));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("push_response") != std::string::npos);
  auto bad_id = wire::parse_push_request(
      R"({"protocol":1,"type":"push_request","device_id":"d","device_clock_ms":1,"records":[{"record_id":"x","kind":"check_in","original_ms":1,"payload":{}}]})");
  REQUIRE_FALSE(bad_id.ok());
  CHECK(bad_id.error().message == "records[0].record_id is not a UUID");
}

TEST_CASE("back-off doubles up to its bound with jitter between half and whole") {
  Backoff b(100, 1000, 7);
  std::int64_t expected[] = {100, 200, 400, 800, 1000, 1000};
  for (auto d : expected) {
    auto got = b.next_delay_ms();
    CHECK(got >= d / 2);
    CHECK(got <= d);
  }
  b.reset();
  CHECK(b.next_delay_ms() <= 100);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Upload
// ---------------------------------------------------------------------------------------------
/// An outbox that forgets to remove what the server acknowledged, the first `n` times: as if
/// the kiosk lost power after the server committed and before its own commit.
struct ForgetfulOutbox final : OutboxSource {
  KioskSync& inner;
  int forget;
  ForgetfulOutbox(KioskSync& k, int n) : inner(k), forget(n) {}
  Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after) override {
    return inner.next_batch(max, after);
  }
  Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& ids) override {
    if (forget > 0) {
      --forget;
      return std::monostate{};
    }
    return inner.acknowledge(ids);
  }
  Result<std::monostate, std::string> keep(const std::vector<Uuid>& ids, std::string_view why) override {
    return inner.keep(ids, why);
  }
  std::int64_t pending() override { return inner.pending(); }
};

TEST_CASE("check-ins made through the kiosk Store reach the server exactly once also after retries") {
  Office office(60);
  Kiosk kiosk(office);
  CHECK(kiosk.store->meetings().size() == 1);  // provisioned by the pull
  CHECK(kiosk.store->rsvp(office.rsvps[0].id).has_value());
  for (int i = 0; i < 50; ++i) REQUIRE(kiosk.check_in(office, office.rsvps[i]) == ScanOutcome::CheckedIn);
  CHECK(kiosk.check_in(office, office.rsvps[0]) == ScanOutcome::AlreadyCheckedIn);  // a refused scan
  REQUIRE(kiosk.store->outbox_size() == 51);

  // The kiosk "loses" the server's acknowledgement of its first batch: those records stay and go again.
  ForgetfulOutbox forgetful(*kiosk.sync, 1);
  auto first = kiosk.client->upload(forgetful);
  REQUIRE_MESSAGE(first.ok, first.error);
  CHECK(first.stored == 51);
  CHECK(kiosk.store->outbox_size() == 40);  // batches of 40 and 11; the first one's acknowledgement lost
  auto second = kiosk.round();
  REQUIRE_MESSAGE(second.ok, second.error);
  CHECK(second.duplicate == 40);
  CHECK(second.stored == 0);
  CHECK(kiosk.store->outbox_size() == 0);

  auto c = office.counts();
  CHECK(c.records == 51);
  CHECK(c.check_ins == 50);
  CHECK(c.attended == 50);
  CHECK(c.refused_scans == 1);
  auto third = kiosk.round();
  CHECK(third.ok);
  CHECK(third.sent == 0);
  CHECK(third.pull_summary == "nothing new from the office");
  CHECK(kiosk.client->progress().phase == SyncProgress::Phase::Done);
}

TEST_CASE("the kiosk syncs in the background: a dead server leaves records waiting with the error in words, then they go") {
  Office office(20);
  Kiosk kiosk(office);
  for (int i = 0; i < 5; ++i) REQUIRE(kiosk.check_in(office, office.rsvps[i]) == ScanOutcome::CheckedIn);
  // Enrolled, but at an address where nobody listens (the venue's network is down).
  REQUIRE(kiosk.store->set_setting(kSyncServerSetting, "http://127.0.0.1:1").ok());
  REQUIRE(kiosk.store->set_setting(kSyncTokenSetting, kiosk.token).ok());
  const std::string path = kiosk.dir.path + "/kiosk.db";
  kiosk.sync.reset();
  kiosk.store.reset();  // the app's StoreService owns it from here

  auto service = StoreService::start(path);
  REQUIRE(service.ok());
  std::atomic<int> changes{0};
  SyncSchedule schedule;
  schedule.after_record_ms = 50;
  schedule.every_ms = 60'000;
  schedule.backoff_base_ms = 100;
  schedule.backoff_max_ms = 400;
  schedule.connect_timeout_ms = 500;
  schedule.request_timeout_ms = 2000;
  SyncScheduler scheduler(**service, schedule, [&] { ++changes; });
  // Waits (bounded) until `done` holds for the status.
  auto wait_for = [&](auto done) {
    for (int i = 0; i < 500; ++i) {
      SyncStatus st = scheduler.status();
      if (!st.running && done(st)) return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("the background sync did not get there in 10 s");
    return scheduler.status();
  };

  SyncStatus down = wait_for([](const SyncStatus& st) { return st.rounds >= 2; });  // it retries by itself
  CHECK(down.enrolled);
  CHECK(down.last_ok_ms == 0);
  CHECK(down.pending == 5);
  CHECK(!down.last_error.empty());
  CHECK(down.next_try_ms > 0);
  CHECK(changes.load() > 0);
  CHECK(office.counts().check_ins == 0);

  // The network comes back: staff touch Sync now.
  REQUIRE((*service)->ask([&](Store& s) { return s.set_setting(kSyncServerSetting, office.url()); }).get().ok());
  scheduler.sync_now();
  SyncStatus up = wait_for([](const SyncStatus& st) { return st.last_ok_ms > 0; });
  CHECK(up.pending == 0);
  CHECK(up.last_error.empty());
  CHECK(up.progress.phase == SyncProgress::Phase::Done);
  CHECK(office.counts().check_ins == 5);

  // A new check-in goes by itself soon after it is written.
  const std::int64_t rounds = up.rounds;
  auto outcome = (*service)->ask([&](Store& s) {
    return check_in_code(s, office.code_for(office.rsvps[5]), {wall_ms(), CheckInMethod::Scanner}).outcome;
  }).get();
  REQUIRE(outcome == ScanOutcome::CheckedIn);
  scheduler.record_written();
  wait_for([&](const SyncStatus& st) { return st.rounds > rounds && st.pending == 0; });
  CHECK(office.counts().check_ins == 6);
  CHECK(office.counts().attended == 6);
}

TEST_CASE("a bad network that drops and delays and duplicates and truncates and loses answers still delivers every record once") {
  Office office(900, server_config(5000, 5000));
  const std::uint64_t seed = 20240605;
  INFO("seed " << seed);
  test::FaultProxy proxy(office.server->port(), {}, seed);
  std::vector<std::unique_ptr<Kiosk>> kiosks;
  // Kiosk clocks: right, 20 minutes ahead, 25 minutes behind (a Pi without network time).
  const std::int64_t offsets[] = {0, 20 * 60'000, -25 * 60'000};
  for (int k = 0; k < 3; ++k) kiosks.push_back(std::make_unique<Kiosk>(office, proxy.port(), offsets[k]));
  proxy.set_odds({.drop_request = 0.1, .delay = 0.1, .duplicate = 0.1, .truncate = 0.1, .drop_response = 0.15,
                  .max_delay_ms = 1800});

  // Each kiosk checks in 400 people (overlapping: 200 of them also at another kiosk), a few at
  // a time, and syncs between; then syncs until every outbox is empty. Bounded in rounds and time.
  std::mt19937_64 rng(seed);
  std::set<std::pair<std::string, std::string>> attended;  // (meeting, rsvp)
  std::int64_t made = 0;
  std::vector<int> next(3, 0);
  std::vector<Backoff> backoff;
  for (int k = 0; k < 3; ++k) backoff.emplace_back(5, 80, seed + k);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  int rounds = 0, failed_rounds = 0;
  for (; rounds < 600 && std::chrono::steady_clock::now() < deadline; ++rounds) {
    bool all_done = true;
    for (int k = 0; k < 3; ++k) {
      auto& kiosk = *kiosks[k];
      int burst = std::uniform_int_distribution<int>(0, 40)(rng);
      for (int i = 0; i < burst && next[k] < 400; ++i, ++next[k]) {
        const Rsvp& r = office.rsvps[k * 200 + next[k]];
        auto outcome = kiosk.check_in(office, r);
        REQUIRE(outcome == ScanOutcome::CheckedIn);
        attended.insert({office.meeting.id.str(), r.id.str()});
        ++made;
      }
      auto rep = kiosk.round();
      if (!rep.ok) {
        ++failed_rounds;
        CHECK(!rep.error.empty());
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff[k].next_delay_ms()));
      } else {
        backoff[k].reset();
      }
      if (next[k] < 400 || kiosk.store->outbox_size() > 0) all_done = false;
    }
    if (all_done) break;
  }
  MESSAGE("rounds " << rounds << ", failed " << failed_rounds << ", proxy requests " << proxy.counts().requests.load()
                    << " (dropped " << proxy.counts().dropped_requests.load() << ", delayed " << proxy.counts().delayed.load()
                    << ", duplicated " << proxy.counts().duplicated.load() << ", truncated " << proxy.counts().truncated.load()
                    << ", answers lost " << proxy.counts().dropped_responses.load() << ")");
  for (auto& k : kiosks) CHECK(k->store->outbox_size() == 0);
  auto c = office.counts();
  CHECK(c.records == made);
  CHECK(c.check_ins == made);
  CHECK(c.attended == static_cast<std::int64_t>(attended.size()));
  CHECK(proxy.counts().dropped_responses > 0);
  CHECK(proxy.counts().duplicated > 0);
  CHECK(proxy.counts().truncated > 0);
  // Every record the kiosks made is there once (the primary key makes "at most"; the count "at least").
  auto rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(rows.ok());
  std::set<std::string> ids;
  for (const auto& r : *rows) ids.insert(r.record_id);
  CHECK(ids.size() == static_cast<std::size_t>(made));
  // Skew: the server saw each kiosk's clock error (within a minute).
  for (const auto& r : *rows) {
    int k = 0;
    for (int i = 0; i < 3; ++i)
      if (kiosks[i]->store->device_id() == r.device_id) k = i;
    CHECK(std::llabs(r.skew_ms + offsets[k]) < 60 * 1000);
  }
  proxy.stop();
}

TEST_CASE("cate-syncd killed in the middle of a batch loses nothing it acknowledged and the next round completes once") {
  Office office(800);
  Kiosk kiosk(office);
  const std::uint64_t seed = test_rng()();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  int made = 0, mid_round_kills = 0;
  // Each try: more check-ins, a fresh cate-syncd, a round, and SIGKILL at a random moment of it.
  for (int attempt = 0; attempt < 6; ++attempt) {
    for (int i = 0; i < 120; ++i, ++made)
      REQUIRE(kiosk.check_in(office, office.rsvps[static_cast<std::size_t>(made)]) == ScanOutcome::CheckedIn);
    const std::set<std::string> before = outbox_ids(*kiosk.store);
    SyncdProcess syncd(office.syncd_args());
    auto client = kiosk.make_client(syncd.url());
    const int delay_us = std::uniform_int_distribution<int>(0, 60'000)(rng);
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      syncd.kill_now();
    });
    auto rep = client->round(*kiosk.sync, *kiosk.sync);
    killer.join();
    const std::set<std::string> after = outbox_ids(*kiosk.store);
    if (!rep.ok && after.size() < before.size()) ++mid_round_kills;
    // Whatever left the outbox, the server acknowledged: it must be on the server's disk.
    const std::set<std::string> held = server_ids(office);
    for (const auto& id : before)
      if (!after.count(id)) CHECK_MESSAGE(held.count(id) == 1, "acknowledged but lost: " << id);
  }
  MESSAGE("kills in the middle of a round: " << mid_round_kills << " of 6");
  SyncdProcess syncd(office.syncd_args());
  auto client = kiosk.make_client(syncd.url());
  auto rep = client->round(*kiosk.sync, *kiosk.sync);
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(kiosk.store->outbox_size() == 0);
  auto c = office.counts();
  CHECK(c.records == made);
  CHECK(c.check_ins == made);
  CHECK(c.attended == made);
  CHECK(server_ids(office).size() == static_cast<std::size_t>(made));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Attendance
// ---------------------------------------------------------------------------------------------
TEST_CASE("the same RSVP checked in offline on two kiosks counts the earlier one whichever syncs first") {
  for (bool a_first : {true, false}) {
    CAPTURE(a_first);
    Office office(5);
    Kiosk a(office), b(office);
    const Rsvp& person = office.rsvps[2];
    const std::int64_t t = wall_ms();
    REQUIRE(a.check_in(office, person, t - 60'000) == ScanOutcome::CheckedIn);  // at the door, a minute ago
    REQUIRE(b.check_in(office, person, t - 30'000) == ScanOutcome::CheckedIn);  // at the booth, later
    auto r1 = (a_first ? a : b).round();
    auto r2 = (a_first ? b : a).round();
    REQUIRE_MESSAGE(r1.ok, r1.error);
    REQUIRE_MESSAGE(r2.ok, r2.error);
    auto rows = office.records->check_ins(office.meeting.id.str());
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].device_id == a.store->device_id());
    CHECK((*rows)[0].counted);
    CHECK((*rows)[1].device_id == b.store->device_id());
    CHECK_FALSE((*rows)[1].counted);
    auto c = office.counts();
    CHECK(c.check_ins == 2);
    CHECK(c.attended == 1);
  }
}

TEST_CASE("ten kiosks checking in overlapping RSVPs offline then syncing in random order count the union once") {
  Office office(60);
  const std::uint64_t seed = test_rng()();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<std::unique_ptr<Kiosk>> kiosks;
  std::vector<std::int64_t> offsets;
  for (int k = 0; k < 10; ++k) {
    offsets.push_back(std::uniform_int_distribution<std::int64_t>(-30, 30)(rng) * 60'000);  // +-30 min off
    kiosks.push_back(std::make_unique<Kiosk>(office, 0, offsets.back()));
  }
  // Offline: each kiosk checks in 25 of the 60 people, at true times a whole second apart per
  // person (so which came first does not hang on milliseconds of measured skew).
  const std::int64_t now = wall_ms();
  std::map<std::string, std::pair<std::int64_t, std::string>> first;  // rsvp -> (true time, device)
  std::int64_t made = 0;
  std::map<std::string, std::vector<int>> seconds_left;
  for (const auto& r : office.rsvps) {
    std::vector<int> s(1200);
    std::iota(s.begin(), s.end(), 1);
    std::shuffle(s.begin(), s.end(), rng);
    seconds_left[r.id.str()] = s;
  }
  for (int k = 0; k < 10; ++k) {
    std::vector<int> people(60);
    std::iota(people.begin(), people.end(), 0);
    std::shuffle(people.begin(), people.end(), rng);
    for (int i = 0; i < 25; ++i) {
      const Rsvp& r = office.rsvps[people[i]];
      auto& left = seconds_left[r.id.str()];
      const std::int64_t true_ms = now - std::int64_t{left.back()} * 1000;
      left.pop_back();
      REQUIRE(kiosks[k]->check_in(office, r, true_ms + offsets[k]) == ScanOutcome::CheckedIn);
      ++made;
      auto [it, fresh] = first.try_emplace(r.id.str(), true_ms, kiosks[k]->store->device_id());
      if (!fresh && true_ms < it->second.first) it->second = {true_ms, kiosks[k]->store->device_id()};
    }
  }
  // Meanwhile the office adds two people: every kiosk must learn them.
  auto late = office.central->add_rsvps(office.meeting.id, {{"Late", "One", ""}, {"Late", "Two", ""}}, now / 1000);
  REQUIRE(late.ok());

  std::vector<int> order(10);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (int k : order) {
    auto rep = kiosks[k]->round();
    REQUIRE_MESSAGE(rep.ok, rep.error);
  }
  auto rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(rows.ok());
  CHECK(static_cast<std::int64_t>(rows->size()) == made);
  std::map<std::string, int> counted;
  std::int64_t duplicates = 0;
  for (const auto& r : *rows) {
    if (!r.counted) {
      ++duplicates;
      continue;
    }
    ++counted[r.rsvp_id];
    CHECK_MESSAGE(r.device_id == first[r.rsvp_id].second, "the earliest check-in of " << r.rsvp_id << " counts");
  }
  CHECK(counted.size() == first.size());  // attendance is the union
  for (const auto& [rsvp, n] : counted) CHECK(n == 1);
  CHECK(duplicates == made - static_cast<std::int64_t>(first.size()));
  auto c = office.counts();
  CHECK(c.attended == static_cast<std::int64_t>(first.size()));
  CHECK(c.check_ins == made);
  for (auto& k : kiosks) {
    CHECK(k->store->outbox_size() == 0);
    CHECK(k->store->rsvp((*late)[1].rsvp.id).has_value());  // every roster converged
  }
}

TEST_CASE("kiosks syncing at once with overlapping RSVPs and undos and the same batch sent twice at once count every record once") {
  Office office(60, server_config(5000, 5000));
  const std::uint64_t seed = test_rng()();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr int kKiosks = 10;
  std::vector<std::unique_ptr<Kiosk>> kiosks;
  std::vector<std::int64_t> offsets;
  for (int k = 0; k < kKiosks; ++k) {
    offsets.push_back(std::uniform_int_distribution<std::int64_t>(-10, 10)(rng) * 60'000);
    kiosks.push_back(std::make_unique<Kiosk>(office, 0, offsets.back()));
  }
  // Offline: each kiosk checks in 30 of the 60 people at true times a whole second apart per
  // person; staff undo every fifth of them.
  struct Made {
    std::int64_t true_ms;
    std::string record_id, device;
    bool undone;
  };
  std::map<std::string, std::vector<Made>> by_rsvp;
  std::int64_t check_ins = 0, undos = 0;
  const std::int64_t now = wall_ms();
  std::vector<int> seconds(60 * kKiosks);
  std::iota(seconds.begin(), seconds.end(), 1);
  std::shuffle(seconds.begin(), seconds.end(), rng);
  for (int k = 0; k < kKiosks; ++k) {
    std::vector<int> people(60);
    std::iota(people.begin(), people.end(), 0);
    std::shuffle(people.begin(), people.end(), rng);
    for (int i = 0; i < 30; ++i) {
      const Rsvp& r = office.rsvps[people[i]];
      const std::int64_t true_ms = now - std::int64_t{seconds.back()} * 1000;
      seconds.pop_back();
      auto w = kiosks[k]->store->check_in_rsvp(r.id, CheckInMethod::Staff, true_ms + offsets[k]);
      REQUIRE((w.ok() && w->outcome == ScanOutcome::CheckedIn && w->record));
      ++check_ins;
      Made m{true_ms, w->record->id.str(), kiosks[k]->store->device_id(), i % 5 == 0};
      if (m.undone) {
        REQUIRE(*kiosks[k]->store->undo_check_in(w->record->id, now + offsets[k]));
        ++undos;
      }
      by_rsvp[r.id.str()].push_back(m);
    }
  }
  // Half the kiosks: their whole outbox sent twice at the same moment (a retry racing its original).
  std::vector<std::thread> racers;
  std::mutex answers_mutex;
  std::map<std::string, int> stored_answers;  // record ID -> times answered "stored"
  for (int k = 0; k < kKiosks; k += 2) {
    auto batch = kiosks[k]->sync->next_batch(500, INT64_MIN);
    REQUIRE(batch.ok());
    wire::PushRequest req{kiosks[k]->store->device_id(), wall_ms() + offsets[k], {}};
    for (const auto& r : *batch) req.records.push_back(r.record);
    const std::string body = wire::to_json(req);
    for (int copy = 0; copy < 2; ++copy)
      racers.emplace_back([&, body, token = kiosks[k]->token] {
        httplib::Client http("127.0.0.1", office.server->port());
        http.set_read_timeout(20, 0);
        auto res = http.Post("/v1/push", {{"Authorization", "Bearer " + token}}, body, "application/json");
        if (!res || res->status != 200) return;  // the kiosks' own rounds below send them again
        auto answer = wire::parse_push_response(res->body);
        if (!answer) return;
        std::lock_guard lock(answers_mutex);
        for (const auto& r : answer->results)
          if (r.status == wire::RecordStatus::Stored) ++stored_answers[r.record_id.str()];
      });
  }
  // Meanwhile every kiosk syncs on a thread of its own until its outbox is empty.
  std::vector<std::thread> syncing;
  std::atomic<int> failed_rounds{0};
  for (int k = 0; k < kKiosks; ++k)
    syncing.emplace_back([&, k] {
      for (int round = 0; round < 20 && kiosks[k]->store->outbox_size() > 0; ++round)
        if (!kiosks[k]->client->upload(*kiosks[k]->sync).ok) ++failed_rounds;
    });
  for (auto& t : racers) t.join();
  for (auto& t : syncing) t.join();
  MESSAGE("failed rounds: " << failed_rounds.load());
  for (auto& k : kiosks) CHECK(k->store->outbox_size() == 0);
  for (const auto& [id, n] : stored_answers) CHECK_MESSAGE(n == 1, id << " answered stored " << n << " times");

  auto c = office.counts();
  CHECK(c.records == check_ins + undos);
  CHECK(c.check_ins == check_ins);
  CHECK(c.undos == undos);
  // Attendance: per RSVP, the earliest check-in not undone counts, and only it.
  std::int64_t attended = 0;
  std::map<std::string, std::string> expected;  // rsvp -> record that counts
  for (auto& [rsvp, list] : by_rsvp) {
    const Made* first = nullptr;
    for (const auto& m : list)
      if (!m.undone && (!first || m.true_ms < first->true_ms)) first = &m;
    if (first) {
      ++attended;
      expected[rsvp] = first->record_id;
    }
  }
  CHECK(c.attended == attended);
  auto rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(rows.ok());
  std::set<std::string> ids;
  for (const auto& r : *rows) {
    ids.insert(r.record_id);
    auto e = expected.find(r.rsvp_id);
    const bool should_count = e != expected.end() && e->second == r.record_id;
    CHECK_MESSAGE(r.counted == should_count, "check-in " << r.record_id << " of " << r.rsvp_id);
  }
  CHECK(static_cast<std::int64_t>(ids.size()) == check_ins);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Refusals
// ---------------------------------------------------------------------------------------------
TEST_CASE("garbage JSON and oversized bodies and unknown or revoked devices get clear errors and the server stays up") {
  Office office(3, server_config(5000, 5000, 64 * 1024));
  Kiosk kiosk(office);
  httplib::Client http("127.0.0.1", office.server->port());
  http.set_read_timeout(5, 0);
  httplib::Headers auth = {{"Authorization", "Bearer " + kiosk.token}};

  auto expect_error = [](const httplib::Result& r, int status, const std::string& code) {
    REQUIRE(r);
    CHECK(r->status == status);
    auto e = wire::parse_error_body(r->body);
    REQUIRE_MESSAGE(e.ok(), r->body);
    CHECK(e->code == code);
    CHECK(!e->message.empty());
    return e.ok() ? e->message : std::string();
  };
  auto msg = expect_error(http.Post("/v1/push", auth, "{\"records\": [1, 2", "application/json"), 400, "bad_request");
  CHECK(msg.find("not JSON") != std::string::npos);
  expect_error(http.Post("/v1/push", auth, "\x00\x01\x02garbage", "application/json"), 400, "bad_request");
  std::string big(100 * 1024, 'x');
  msg = expect_error(http.Post("/v1/push", auth, big, "application/json"), 413, "too_large");
  CHECK(msg.find("smaller batches") != std::string::npos);
  expect_error(http.Post("/v1/push", "{}", "application/json"), 401, "unauthorized");
  expect_error(http.Post("/v1/push", {{"Authorization", "Bearer not-a-token"}}, "{}", "application/json"), 401,
               "unauthorized");
  expect_error(http.Get("/v1/nothing-here"), 404, "not_found");

  // A wildly oversized body is refused before it is read; whatever the client sees, the server lives.
  std::string huge(8 * 1024 * 1024, 'x');
  (void)http.Post("/v1/push", auth, huge, "application/json");

  REQUIRE(office.records->revoke_device(kiosk.store->device_id(), wall_ms()).ok());
  REQUIRE(kiosk.check_in(office, office.rsvps[0]) == ScanOutcome::CheckedIn);
  auto rep = kiosk.round();
  CHECK_FALSE(rep.ok);
  CHECK(rep.failure == SyncFailure::Http);
  CHECK(rep.http_status == 403);
  CHECK(rep.error_code == "device_revoked");
  CHECK(rep.error.find("withdrawn") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);  // kept

  auto health = http.Get("/v1/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(wire::parse_health(health->body).ok());
  CHECK(office.counts().records == 0);
}

TEST_CASE("a kiosk sending too often is told to wait and its records stay and go later") {
  Office office(30, server_config(2, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  Kiosk kiosk(office);  // one pull
  for (int i = 0; i < 30; ++i) REQUIRE(kiosk.check_in(office, office.rsvps[i]) == ScanOutcome::CheckedIn);
  RoundReport limited;
  for (int i = 0; i < 6 && limited.error_code != "rate_limited"; ++i) limited = kiosk.round();
  CHECK(limited.http_status == 429);
  CHECK(limited.error_code == "rate_limited");
  Backoff backoff(300, 2000, 1);
  for (int i = 0; i < 20 && kiosk.store->outbox_size() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff.next_delay_ms()));
    kiosk.round();
  }
  CHECK(kiosk.store->outbox_size() == 0);
  CHECK(office.counts().check_ins == 30);
}

TEST_CASE("twenty kiosks behind one address each have their own limit and only requests without a known token are limited per address") {
  SyncServerConfig config = server_config(0.2, 3);  // slow refills: the test's own pace does not matter
  config.address_requests_per_second = 0.1;
  config.address_request_burst = 5;
  Office office(3, config);
  httplib::Client http("127.0.0.1", office.server->port());
  http.set_read_timeout(5, 0);
  std::vector<std::string> tokens;
  for (int k = 0; k < 21; ++k) tokens.push_back(office.enrol(Uuid::v7_now().str()));
  auto pull = [&](const std::string& token) {
    auto r = http.Get("/v1/pull", {{"Authorization", "Bearer " + token}});
    REQUIRE(r);
    return r->status;
  };
  // Twenty kiosks at one address (a router): each may use its whole burst of 3.
  for (int k = 0; k < 20; ++k)
    for (int i = 0; i < 3; ++i) CHECK_MESSAGE(pull(tokens[k]) == 200, "kiosk " << k << ", request " << i);
  // One more from a kiosk that used its burst: told to wait; the others were not slowed by it.
  auto over = http.Get("/v1/pull", {{"Authorization", "Bearer " + tokens[7]}});
  REQUIRE(over);
  CHECK(over->status == 429);
  CHECK(over->get_header_value("Retry-After") == "1");
  CHECK(wire::parse_error_body(over->body)->code == "rate_limited");
  // Unknown tokens from that address: the first five are told "unauthorized", then "rate_limited".
  std::vector<int> unknown;
  for (int i = 0; i < 7; ++i) unknown.push_back(pull("not-a-token-" + std::to_string(i)));
  CHECK(std::count(unknown.begin(), unknown.begin() + 5, 401) == 5);
  CHECK(unknown[5] == 429);
  CHECK(unknown[6] == 429);
  // Enrolment carries no device token: the same address bucket refuses it now.
  auto enrol = http.Post("/v1/enrol", R"({"protocol":1,"type":"enrol_request","token":"X","device_id":"d","box_key":"AA=="})",
                         "application/json");
  REQUIRE(enrol);
  CHECK(enrol->status == 429);
  // A kiosk with a known token is still served from that address.
  CHECK(pull(tokens[20]) == 200);
}

TEST_CASE("a server answering garbage or nobody listening gives an error in words and loses nothing") {
  Office office(5);
  Kiosk kiosk(office);
  REQUIRE(kiosk.check_in(office, office.rsvps[0]) == ScanOutcome::CheckedIn);

  httplib::Server liar;
  liar.Post("/v1/push", [](const httplib::Request&, httplib::Response& r) {
    r.set_content("<html><body>Welcome to the hotel Wi-Fi. Please log in.</body></html>", "text/html");
  });
  int port = liar.bind_to_any_port("127.0.0.1");
  std::thread t([&] { liar.listen_after_bind(); });
  for (int i = 0; i < 500 && !liar.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto client = kiosk.make_client("http://127.0.0.1:" + std::to_string(port));
  auto rep = client->round(*kiosk.sync, *kiosk.sync);
  liar.stop();
  t.join();
  CHECK_FALSE(rep.ok);
  CHECK(rep.failure == SyncFailure::Protocol);
  CHECK(rep.error.find("not understood") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);
  CHECK(client->progress().phase == SyncProgress::Phase::Failed);

  auto nobody = kiosk.make_client("http://127.0.0.1:" + std::to_string(port));
  rep = nobody->round(*kiosk.sync, *kiosk.sync);
  CHECK(rep.failure == SyncFailure::Transport);
  CHECK(rep.error.find("cannot be reached") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);

  rep = kiosk.round();
  CHECK(rep.ok);
  CHECK(kiosk.store->outbox_size() == 0);
  auto outbox_rows = office.records->check_ins(office.meeting.id.str());
  REQUIRE(outbox_rows.ok());
  CHECK(outbox_rows->size() == 1);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] TLS
// ---------------------------------------------------------------------------------------------
/// A throwaway CA and a certificate it signed for 127.0.0.1 and localhost, made by the openssl
/// program in `dir`: <name>-ca.pem, <name>-server.pem, <name>-server.key.
struct TestCa {
  std::string ca, cert, key;
  TestCa(const std::string& dir, const std::string& name)
      : ca(dir + "/" + name + "-ca.pem"), cert(dir + "/" + name + "-server.pem"), key(dir + "/" + name + "-server.key") {
    const std::string p = dir + "/" + name;
    const std::string script =
        "set -e; cd '" + dir + "'; "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '" + p + "-ext.cnf'; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=" + name +
        " test CA' -keyout '" + p + "-ca.key' -out '" + ca + "'; "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' -keyout '" + key +
        "' -out '" + p + "-server.csr'; "
        "openssl x509 -req -in '" + p + "-server.csr' -CA '" + ca + "' -CAkey '" + p + "-ca.key' -CAcreateserial "
        "-days 2 -extfile '" + p + "-ext.cnf' -out '" + cert + "'";
    const std::string cmd = "bash -c \"" + std::regex_replace(script, std::regex("\""), "\\\"") + "\" >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "openssl could not make a test CA (is the openssl package installed?)");
  }
};

SyncServerConfig tls_config(const TestCa& ca) {
  SyncServerConfig c = server_config(5000, 5000);
  c.tls_cert_file = ca.cert;
  c.tls_key_file = ca.key;
  return c;
}

TEST_CASE("a push over TLS to a server with the office's own CA works and a certificate from another CA is refused keeping the records") {
  TempDir certs("certs");
  TestCa office_ca(certs.path, "office"), other_ca(certs.path, "other");
  Office office(5, tls_config(office_ca), office_ca.ca);
  Kiosk kiosk(office);  // its first pull, over https
  CHECK(kiosk.store->meetings().size() == 1);
  REQUIRE(kiosk.check_in(office, office.rsvps[0]) == ScanOutcome::CheckedIn);
  REQUIRE(kiosk.check_in(office, office.rsvps[1]) == ScanOutcome::CheckedIn);
  auto rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(rep.stored == 2);
  CHECK(office.counts().check_ins == 2);
  {
    std::lock_guard lock(office.log_mutex);
    CHECK(office.log.front().find("\"tls\":true") != std::string::npos);
  }

  REQUIRE(kiosk.check_in(office, office.rsvps[2]) == ScanOutcome::CheckedIn);
  // A kiosk told to trust another CA (a machine in the way with a certificate of its own).
  kiosk.ca_file = other_ca.ca;
  rep = kiosk.make_client(office.url())->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK(rep.failure == SyncFailure::Transport);
  CHECK_MESSAGE(rep.error.find("certificate is not trusted") != std::string::npos, rep.error);
  CHECK(kiosk.store->outbox_size() == 1);
  // The system's CAs do not know the office's own CA either.
  kiosk.ca_file.clear();
  rep = kiosk.make_client(office.url())->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK_MESSAGE(rep.error.find("certificate is not trusted") != std::string::npos, rep.error);
  CHECK(kiosk.store->outbox_size() == 1);
  // A CA file that is not there is said so.
  kiosk.ca_file = certs.path + "/missing.pem";
  rep = kiosk.make_client(office.url())->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK(kiosk.store->outbox_size() == 1);
  // Plain http to the TLS port gets no answer it could take.
  kiosk.ca_file = office_ca.ca;
  rep = kiosk.make_client("http://127.0.0.1:" + std::to_string(office.server->port()))->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK(kiosk.store->outbox_size() == 1);
  CHECK(office.counts().check_ins == 2);
  // Trusting the office's CA again, the record goes, once.
  rep = kiosk.round();
  REQUIRE_MESSAGE(rep.ok, rep.error);
  CHECK(kiosk.store->outbox_size() == 0);
  CHECK(office.counts().check_ins == 3);
}

TEST_CASE("plain http to another machine is refused by the kiosk and a public address without TLS by the server") {
  CHECK_FALSE(insecure_url_refusal("http://127.0.0.1:8443").has_value());
  CHECK_FALSE(insecure_url_refusal("http://localhost:8443").has_value());
  CHECK_FALSE(insecure_url_refusal("http://[::1]:8443").has_value());
  CHECK_FALSE(insecure_url_refusal("https://sync.example.org").has_value());
  auto refused = insecure_url_refusal("http://192.0.2.10:8443");
  REQUIRE(refused.has_value());
  CHECK(refused->find("unencrypted") != std::string::npos);
  CHECK(insecure_url_refusal("http://sync.example.org").has_value());
  CHECK(insecure_url_refusal("ftp://sync.example.org").has_value());

  Office office(2);
  Kiosk kiosk(office);
  REQUIRE(kiosk.check_in(office, office.rsvps[0]) == ScanOutcome::CheckedIn);
  auto rep = kiosk.make_client("http://192.0.2.10:8443")->round(*kiosk.sync, *kiosk.sync);
  CHECK_FALSE(rep.ok);
  CHECK(rep.failure == SyncFailure::Transport);
  CHECK(rep.error.find("plain http to another machine") != std::string::npos);
  CHECK(kiosk.store->outbox_size() == 1);

  SyncServerConfig open_config;
  open_config.bind_address = "0.0.0.0";
  SyncServer open(*office.records, *office.central, open_config);
  auto started = open.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().find("needs TLS") != std::string::npos);

  TempDir certs("certs");
  SyncServerConfig broken;
  broken.tls_cert_file = certs.path + "/none.pem";
  broken.tls_key_file = certs.path + "/none.key";
  SyncServer bad(*office.records, *office.central, broken);
  auto b = bad.start();
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().find("cannot serve TLS") != std::string::npos);
  SyncServerConfig half;
  half.tls_cert_file = certs.path + "/none.pem";
  SyncServer half_server(*office.records, *office.central, half);
  CHECK_FALSE(half_server.start().ok());
}

}  // namespace

int main(int argc, char** argv) {
  // --store=postgres: every case on PostgreSQL. Without a throwaway server around us yet (ctest
  // runs each case on its own), start again under with_postgres.sh, which removes it afterwards.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--store=postgres") g_store = StoreKind::Postgres;
    else if (a.rfind("--syncd=", 0) == 0) setenv("CATE_SYNCD", a.c_str() + 8, 1);
    else if (a.rfind("--with-postgres=", 0) == 0) setenv("CATE_WITH_POSTGRES", a.c_str() + 16, 1);
    else if (a != "--store=sqlite") args.push_back(argv[i]);
  }
  if (g_store == StoreKind::Postgres && !std::getenv("CATE_PG_SCRATCH")) {
    const char* script = std::getenv("CATE_WITH_POSTGRES");
    if (!script) {
      std::fprintf(stderr,
                   "test_sync: --store=postgres needs a throwaway PostgreSQL server: run it through ctest, or "
                   "as tests/sync/with_postgres.sh test_sync --store=postgres\n");
      return 1;
    }
    std::vector<char*> again = {const_cast<char*>(script)};
    for (int i = 0; i < argc; ++i) again.push_back(argv[i]);
    again.push_back(nullptr);
    execv(script, again.data());
    std::fprintf(stderr, "test_sync: cannot run %s: %s\n", script, std::strerror(errno));
    return 1;
  }
  doctest::Context context(static_cast<int>(args.size()), args.data());
  return context.run();
}

// Sync into PostgreSQL: records a second pushed by one kiosk and by 20 kiosks at once, against
// loading the very same rows with PostgreSQL's COPY (the floor: no HTTP, no JSON, no per-record
// decisions); the time to pull a roster of 5,000 RSVPs; the server's peak memory.
//
//   bench_sync [RECORDS_PER_KIOSK]      (default 2000; one kiosk pushes 10x that)
//
// Needs a PostgreSQL server named by PGHOST (tests/bench/run.sh starts a throwaway one with
// tests/sync/with_postgres.sh). The server (cate-syncd's SyncServer over the PostgreSQL store)
// runs in a child process of its own, so its peak memory (VmHWM) is its alone; the kiosks are
// sync clients over an outbox in memory, so the figures are the server's and the network's.
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/core/outbox.hpp"
#include "kiosk/core/store.hpp"
#include "sync/admin/central_store.hpp"
#include "sync/client/sync_client.hpp"
#include "sync/server/sync_server.hpp"
#include "sync/server/sync_store_pg.hpp"

using namespace cate;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::filesystem::path g_scratch;  // the office's scratch folder: removed also on failure

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_sync: %s\n", why.c_str());
  std::error_code ec;
  if (!g_scratch.empty()) std::filesystem::remove_all(g_scratch, ec);
  std::exit(1);
}

/// A fresh database on the server PGHOST names; its conninfo.
std::string new_database(const std::string& name) {
  PGconn* c = PQconnectdb("dbname=postgres");
  if (PQstatus(c) != CONNECTION_OK) die(std::string("cannot reach PostgreSQL: ") + PQerrorMessage(c));
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + name).c_str()));
  PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die(std::string("cannot create a database: ") + PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
  return "dbname=" + name;
}

/// An outbox in memory: the kiosk's side without its disk.
struct MemoryOutbox final : OutboxSource {
  std::vector<OutboxRecord> records;
  std::vector<bool> gone;
  std::int64_t left = 0;
  Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after) override {
    std::vector<OutboxRecord> out;
    // Positions are 1, 2, ...: the one after `after` sits at index max(after, 0).
    for (std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(after, 0)); i < records.size() && out.size() < max; ++i)
      if (!gone[i]) out.push_back(records[i]);
    return out;
  }
  Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& ids) override {
    // Records go in order, so the acknowledged ones are found from the first still waiting.
    std::size_t i = 0;
    for (const auto& id : ids) {
      while (i < records.size() && (gone[i] || records[i].record.record_id != id)) ++i;
      if (i < records.size()) gone[i] = true, --left;
    }
    return std::monostate{};
  }
  Result<std::monostate, std::string> keep(const std::vector<Uuid>&, std::string_view) override {
    return std::monostate{};
  }
  std::int64_t pending() override { return left; }
};

/// `n` check-ins of distinct RSVPs (made-up IDs) at one meeting, as a kiosk would upload them.
MemoryOutbox make_outbox(const MeetingId& meeting, int n, std::mt19937_64& rng) {
  MemoryOutbox o;
  const std::int64_t now = wall_ms();
  for (int i = 0; i < n; ++i) {
    char rsvp[17];
    std::snprintf(rsvp, sizeof rsvp, "%016llx", static_cast<unsigned long long>(rng()));
    std::string payload = std::string(R"({"meeting":")") + meeting.str() + R"(","rsvp":")" + rsvp +
                          R"(","serial":1,"method":"camera","at_ms":)" + std::to_string(now - i) + "}";
    o.records.push_back({i + 1, wire::Record{Uuid::v7_now(), "check_in", now - i, payload}, 0});
  }
  o.gone.assign(o.records.size(), false);
  o.left = n;
  return o;
}

/// A pull into nowhere: only the bundle's arrival is timed.
struct DiscardPull final : PullTarget {
  std::size_t bytes = 0;
  std::string pull_cursor() override { return {}; }
  Result<std::string, std::string> apply_pull(const wire::PullResponse& p) override {
    bytes = p.bundle.size();
    return std::string("discarded");
  }
};

SyncClient make_client(int port, const std::string& device, const std::string& token, std::size_t batch) {
  SyncClientConfig c;
  c.server_url = "http://127.0.0.1:" + std::to_string(port);
  c.device_id = device;
  c.device_token = token;
  c.batch_size = batch;
  c.request_timeout_ms = 60000;
  return SyncClient(c);
}

/// The server in a child process: SyncServer over the office file and the PostgreSQL store.
/// Returns its pid; its port arrives through the pipe.
pid_t start_server(const std::string& office_path, const std::string& pg, int& port) {
  int fds[2];
  if (pipe(fds) != 0) die("no pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    auto office = open_sqlite_central_store(office_path, OpenMode::MustExist);
    auto records = open_pg_sync_store(pg);
    if (!office || !records) _exit(3);
    SyncServerConfig cfg;
    cfg.requests_per_second = 1e6;  // a benchmark, not a flood: no rate limit
    cfg.request_burst = 1e6;
    cfg.read_timeout_s = 60;
    cfg.log = [](std::string_view) {};
    SyncServer server(**records, **office, cfg);
    auto p = server.bind();
    int value = p ? *p : -1;
    if (write(fds[1], &value, sizeof value) != sizeof value) _exit(4);
    close(fds[1]);
    if (!p) _exit(5);
    server.serve_here();
    _exit(0);
  }
  close(fds[1]);
  if (read(fds[0], &port, sizeof port) != sizeof port || port <= 0) die("the server did not start");
  close(fds[0]);
  return pid;
}

long peak_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

/// Loads the rows the server would have written for these records with COPY, in one
/// transaction; seconds taken.
double copy_rows(const std::string& conninfo, const std::string& device, const std::vector<MemoryOutbox>& outboxes,
                 const MeetingId& meeting) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) die(PQerrorMessage(c));
  auto exec = [&](const char* sql, ExecStatusType want) {
    PGresult* r = PQexec(c, sql);
    if (PQresultStatus(r) != want) die(std::string(sql) + ": " + PQresultErrorMessage(r));
    PQclear(r);
  };
  auto copy = [&](const char* sql, const std::string& data) {
    exec(sql, PGRES_COPY_IN);
    if (PQputCopyData(c, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(c, nullptr) != 1)
      die(PQerrorMessage(c));
    PGresult* r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(std::string("COPY: ") + PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(c))) PQclear(r);
  };
  auto t0 = Clock::now();
  std::string records, check_ins;
  const std::int64_t now = wall_ms();
  for (const auto& o : outboxes)
    for (const auto& r : o.records) {
      std::string id = r.record.record_id.str(), payload;
      for (char ch : r.record.payload) {  // COPY text format: backslashes doubled
        if (ch == '\\') payload += '\\';
        payload += ch;
      }
      std::string rsvp = r.record.payload.substr(r.record.payload.find("\"rsvp\":\"") + 8, 16);
      records += id + '\t' + device + "\tcheck_in\t" + std::to_string(r.record.original_ms) + '\t' +
                 std::to_string(now) + '\t' + std::to_string(now) + "\t0\t" + payload + '\n';
      check_ins += id + '\t' + device + '\t' + meeting.str() + '\t' + rsvp + "\t1\tcamera\t" +
                   std::to_string(r.record.original_ms) + '\t' + std::to_string(r.record.original_ms) + "\tt\n";
    }
  exec("BEGIN", PGRES_COMMAND_OK);
  copy("COPY sync_record FROM STDIN", records);
  copy("COPY sync_check_in(record_id, device_id, meeting_id, rsvp_id, serial, method, original_ms, corrected_ms, "
       "counted) FROM STDIN",
       check_ins);
  exec("COMMIT", PGRES_COMMAND_OK);
  double s = seconds_since(t0);
  PQfinish(c);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (!std::getenv("PGHOST"))
    die("PGHOST names no PostgreSQL server; run me as tests/sync/with_postgres.sh bench_sync");
  const int per_kiosk = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2000;
  const int one_kiosk = per_kiosk * 10;
  const int kiosks = 20;
  std::mt19937_64 rng(42);

  // The office: a meeting with 5,000 RSVPs, in a scratch folder.
  auto dir = std::filesystem::temp_directory_path() / ("cate-bench-sync-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  g_scratch = dir;
  const std::string office_path = (dir / "office.db").string();
  Meeting meeting;
  {
    auto central = open_sqlite_central_store(office_path);
    if (!central) die(central.error());
    const std::int64_t now_s = wall_ms() / 1000;
    if (!(*central)->add_signing_key(SecretKey::generate(), now_s)) die("no signing key");
    auto m = (*central)->add_meeting("Conference", now_s - 3600, now_s + 7200, now_s);
    if (!m) die(m.error());
    meeting = *m;
    std::vector<NewRsvp> people;
    for (int i = 0; i < 5000; ++i) people.push_back({"Person" + std::to_string(i), "Bench", ""});
    if (!(*central)->add_rsvps(meeting.id, people, now_s)) die("cannot add RSVPs");
  }
  const std::string pg = new_database("cate_bench_sync");
  std::vector<std::pair<std::string, std::string>> devices;  // (device, token)
  {
    auto store = open_pg_sync_store(pg);
    if (!store) die(store.error());
    for (int k = 0; k <= kiosks; ++k) {
      devices.push_back({"bench-kiosk-" + std::to_string(k), new_device_token()});
      if (!(*store)->add_device({devices.back().first, "Bench", wall_ms(), {}, {}}, devices.back().second))
        die("cannot enrol");
    }
  }
  int port = 0;
  pid_t server = start_server(office_path, pg, port);
  std::printf("server: cate-syncd's SyncServer on PostgreSQL %s, loopback port %d, records are check-ins\n",
              PQlibVersion() >= 150000 ? "15" : "(libpq < 15)", port);

  // One kiosk, in batches of 100 (the kiosk's default) and of 500 (the most a batch may hold).
  double one_rate[2] = {0, 0};
  std::size_t batches[2] = {100, 500};
  std::vector<MemoryOutbox> copied;
  for (int b = 0; b < 2; ++b) {
    MemoryOutbox o = make_outbox(meeting.id, one_kiosk / 2, rng);
    auto client = make_client(port, devices[0].first, devices[0].second, batches[b]);
    auto t0 = Clock::now();
    auto rep = client.upload(o);
    double s = seconds_since(t0);
    if (!rep.ok || rep.stored != one_kiosk / 2) die("one kiosk: " + rep.error);
    one_rate[b] = (one_kiosk / 2) / s;
    std::printf("push, 1 kiosk, batches of %3zu:  %6d records in %6.2f s  %8.0f records/s\n", batches[b],
                one_kiosk / 2, s, one_rate[b]);
    copied.push_back(std::move(o));
  }

  // Twenty kiosks at once, batches of 100.
  std::vector<MemoryOutbox> many;
  for (int k = 0; k < kiosks; ++k) many.push_back(make_outbox(meeting.id, per_kiosk, rng));
  std::atomic<int> failures{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < kiosks; ++k)
    threads.emplace_back([&, k] {
      auto client = make_client(port, devices[static_cast<std::size_t>(k) + 1].first,
                                devices[static_cast<std::size_t>(k) + 1].second, 100);
      auto rep = client.upload(many[static_cast<std::size_t>(k)]);
      if (!rep.ok || rep.stored != per_kiosk) ++failures;
    });
  for (auto& t : threads) t.join();
  double many_s = seconds_since(t0);
  if (failures) die("some of the 20 kiosks failed");
  double many_rate = kiosks * per_kiosk / many_s;
  std::printf("push, %d kiosks at once, by 100: %6d records in %6.2f s  %8.0f records/s\n", kiosks,
              kiosks * per_kiosk, many_s, many_rate);

  // Roster pull: 5,000 RSVPs, to the wire only and into a kiosk's store.
  {
    auto client = make_client(port, devices[0].first, devices[0].second, 100);
    MemoryOutbox empty;
    DiscardPull discard;
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      auto t = Clock::now();
      auto rep = client.round(empty, discard);
      if (!rep.ok) die("pull: " + rep.error);
      ms.push_back(seconds_since(t) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("pull, 5,000 RSVPs, HTTP only:    median %7.1f ms  (bundle %zu KiB)\n", ms[2], discard.bytes / 1024);
    auto store = Store::open((dir / "kiosk.db").string());
    if (!store) die(store.error().message);
    KioskSync kiosk(**store);
    auto t = Clock::now();
    auto rep = client.round(kiosk, kiosk);
    if (!rep.ok) die("pull into a kiosk: " + rep.error);
    std::printf("pull, 5,000 RSVPs, into a kiosk: %7.1f ms (first pull: verify, import, commit)\n",
                seconds_since(t) * 1000);
  }
  long peak = peak_kib(server);
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::printf("server peak memory (VmHWM):      %ld KiB\n", peak);

  // The floor: the same rows of the one-kiosk runs, loaded with COPY into a fresh database.
  const std::string floor_db = new_database("cate_bench_copy");
  {
    auto s = open_pg_sync_store(floor_db);  // the same tables
    if (!s) die(s.error());
  }
  double copy_s = copy_rows(floor_db, devices[0].first, copied, meeting.id);
  double copy_rate = one_kiosk / copy_s;
  std::printf("COPY of the same %d rows:       %6.2f s  %8.0f records/s\n", one_kiosk, copy_s, copy_rate);
  std::printf("ratio COPY / push: 1 kiosk by 100 %.1fx, by 500 %.1fx; %d kiosks %.1fx\n", copy_rate / one_rate[0],
              copy_rate / one_rate[1], kiosks, copy_rate / many_rate);
  std::filesystem::remove_all(dir);
  return 0;
}

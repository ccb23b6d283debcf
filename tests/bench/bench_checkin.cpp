// Check-in latency: from a scanned code to the check-in committed on disk (parse, verify,
// rules, one synchronous=FULL transaction writing the check-in and its outbox row).
//
// Baseline, in the same run and on the same disk: a bare SQLite INSERT of one row committed in
// WAL mode with synchronous=FULL, the floor cost of any durable write. The ratio says what the
// kiosk adds on top of the fsync it cannot avoid.
//
//   bench_checkin [N] [FOLDER]     N check-ins (default 2000) in a store under FOLDER (default:
//                                  the system temp folder; give a folder on the device's disk)
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/store.hpp"
#include "sync/protocol/bundle.hpp"

using namespace cate;
using Clock = std::chrono::steady_clock;

namespace {
struct Stats {
  double median, p99, max, per_second;
};
Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  double total = 0;
  for (double v : ms) total += v;
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], ms.back(),
          1000.0 * static_cast<double>(ms.size()) / total};
}
void print(const char* what, const Stats& s) {
  std::printf("%-34s median %7.3f ms  p99 %7.3f ms  max %7.3f ms  %8.0f /s\n", what, s.median, s.p99, s.max,
              s.per_second);
}
double since_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 2000;
  std::filesystem::path dir = (argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path()) /
                              ("cate-bench-checkin-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  // The kiosk: a roster of n people, their tickets, a store provisioned by a real bundle.
  SecretKey key = SecretKey::generate();
  const std::int64_t now = now_unix_ms() / 1000;
  Bundle b;
  Meeting m{MeetingId::random(), "Bench meeting", now - 3600, now + 3600};
  b.meetings = {m};
  b.active_meeting = m.id;
  std::vector<std::string> codes;
  for (int i = 0; i < n; ++i) {
    Rsvp r{RsvpId::random(), m.id, "Person" + std::to_string(i), "Bench", ""};
    b.rsvps.push_back(r);
    codes.push_back(issue_ticket(Ticket{0, m.id, r.id, 1, now - 7200, now + 7200}, key));
  }
  auto store = Store::open((dir / "kiosk.db").string());
  if (!store || !(*store)->import_bundle(*read_bundle(write_bundle(b, key)), false, now * 1000)) {
    std::fprintf(stderr, "bench_checkin: cannot set up the store in %s\n", dir.c_str());
    return 1;
  }

  // Baseline: one durable row per commit.
  sqlite3* db = nullptr;
  sqlite3_open((dir / "baseline.db").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id TEXT PRIMARY KEY, v INTEGER)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &ins, nullptr);

  std::vector<double> ours, again, base, ratio_pairs;
  for (int i = 0; i < n; ++i) {
    // Alternate the two so that drift in the machine's speed hits both alike.
    auto t0 = Clock::now();
    ScanResult r = check_in_code(**store, codes[static_cast<std::size_t>(i)], {now_unix_ms(), CheckInMethod::Camera});
    double a = since_ms(t0);
    if (r.outcome != ScanOutcome::CheckedIn) {
      std::fprintf(stderr, "bench_checkin: check-in %d came out %s\n", i, outcome_code(r.outcome));
      return 1;
    }
    t0 = Clock::now();
    std::string id = Uuid::v7_now().str();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_bind_text(ins, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 2, i);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    double c = since_ms(t0);
    ours.push_back(a);
    base.push_back(c);
    ratio_pairs.push_back(a / c);
  }
  for (int i = 0; i < std::min(n, 500); ++i) {
    auto t0 = Clock::now();
    ScanResult r = check_in_code(**store, codes[static_cast<std::size_t>(i)], {now_unix_ms(), CheckInMethod::Camera});
    again.push_back(since_ms(t0));
    if (r.outcome != ScanOutcome::AlreadyCheckedIn) return 1;
  }
  sqlite3_finalize(ins);
  sqlite3_close(db);

  std::printf("check-in latency, %d check-ins, store in %s\n", n, dir.parent_path().c_str());
  print("check-in (scan to committed)", stats(ours));
  print("second scan (already checked in)", stats(again));
  print("baseline: one durable INSERT", stats(base));
  auto r = stats(ratio_pairs);
  std::printf("ratio check-in / baseline, pair by pair: median %.2f  p99 %.2f\n", r.median, r.p99);
  store.value().reset();
  std::filesystem::remove_all(dir);
  return 0;
}

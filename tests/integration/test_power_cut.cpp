// Power cut: cate-kiosk is killed (SIGKILL) at random points in a stream of check-ins, many
// times over. After every kill the store must pass SQLite's integrity check, every check-in the
// kiosk reported must be there exactly once, and nothing else may be there but the one check-in
// that was in flight when the power went (it may or may not have reached the disk).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "kiosk/core/store.hpp"
#include "sync/protocol/bundle.hpp"

using namespace cate;

namespace {

std::string kiosk_binary() {
  const char* k = std::getenv("CATE_KIOSK");
  return k ? k : "";
}

/// A running `cate-kiosk checkin -`, fed one code at a time.
class KioskProcess {
 public:
  KioskProcess(const std::string& store) {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::string bin = kiosk_binary();
      execl(bin.c_str(), bin.c_str(), "--store", store.c_str(), "checkin", "-", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~KioskProcess() {
    kill_hard();
    close(to_);
    close(from_);
  }
  void send(const std::string& code) {
    std::string line = code + "\n";
    REQUIRE(write(to_, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  }
  /// The next line the kiosk printed, waiting at most 20 s (a hung kiosk fails the test).
  std::string read_line() {
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      pollfd p{from_, POLLIN, 0};
      int r = poll(&p, 1, 20000);
      REQUIRE_MESSAGE(r > 0, "the kiosk gave no answer within 20 s");
      char buf[4096];
      ssize_t n = read(from_, buf, sizeof buf);
      REQUIRE_MESSAGE(n > 0, "the kiosk closed its output");
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  void kill_hard() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

std::int64_t count(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  auto n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

}  // namespace

TEST_CASE("check-ins survive SIGKILL at random points, exactly once") {
  if (kiosk_binary().empty() || !std::filesystem::exists(kiosk_binary())) {
    FAIL("CATE_KIOSK must name the cate-kiosk binary (ctest sets it)");
  }
  const int rounds = std::getenv("CATE_POWER_CUT_ROUNDS") ? std::atoi(std::getenv("CATE_POWER_CUT_ROUNDS")) : 150;
  auto dir = std::filesystem::temp_directory_path() / ("cate-power-cut-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string store_path = (dir / "kiosk.db").string();

  // A meeting open now (the child uses the real clock), 80 people, and their tickets.
  SecretKey key = SecretKey::generate();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  Bundle b;
  b.created_at = now;
  Meeting m{MeetingId::random(), "Power cut drill", now - 3600, now + 6 * 3600};
  b.meetings = {m};
  b.active_meeting = m.id;
  std::vector<std::string> codes;
  std::map<std::string, RsvpId> rsvp_of_code;
  for (int i = 0; i < 80; ++i) {
    Rsvp r{RsvpId::random(), m.id, "Person" + std::to_string(i), "", ""};
    b.rsvps.push_back(r);
    codes.push_back(issue_ticket(Ticket{0, m.id, r.id, 1, now - 7200, now + 7 * 3600}, key));
    rsvp_of_code[codes.back()] = r.id;
  }
  {
    auto s = Store::open(store_path);
    REQUIRE(s.ok());
    REQUIRE((*s)->import_bundle(*read_bundle(write_bundle(b, key)), false, now * 1000).ok());
  }

  std::mt19937 rng(424242);
  std::set<RsvpId> reported;           // the kiosk said "checked in" (or "already": a fact on disk)
  std::map<RsvpId, std::string> ids;   // the check-in ID each was reported with
  int kills = 0, in_flight_landed = 0, lines = 0;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    std::optional<RsvpId> in_flight;
    {
      KioskProcess kiosk(store_path);
      int answered = std::uniform_int_distribution<int>(0, 6)(rng);
      for (int i = 0; i <= answered; ++i) {
        const std::string& code = codes[std::uniform_int_distribution<std::size_t>(0, codes.size() - 1)(rng)];
        RsvpId who = rsvp_of_code[code];
        kiosk.send(code);
        if (i == answered) {
          // The last one is cut off: the power goes 0-4 ms after the code arrives, which lands
          // before, inside, or after its commit.
          in_flight = who;
          std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 4000)(rng)));
          kiosk.kill_hard();
          ++kills;
          break;
        }
        auto j = nlohmann::json::parse(kiosk.read_line());
        ++lines;
        std::string outcome = j.at("outcome");
        REQUIRE_MESSAGE((outcome == "checked_in" || outcome == "already_checked_in"), outcome);
        if (outcome == "checked_in") {
          CHECK_MESSAGE(reported.count(who) == 0, "a second check-in was reported for one person");
          ids[who] = j.at("check_in_id");
        } else {
          // "Already": only ever for someone whose check-in is on disk.
          CHECK(reported.count(who) == 1);
        }
        reported.insert(who);
      }
    }

    // After the power cut: the file is sound, and holds exactly what was reported.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(store_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    {
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
      REQUIRE(sqlite3_step(st) == SQLITE_ROW);
      CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
      sqlite3_finalize(st);
    }
    std::map<RsvpId, int> on_disk;
    std::map<RsvpId, std::string> disk_ids;
    {
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(db, "SELECT rsvp_id, id FROM check_in", -1, &st, nullptr) == SQLITE_OK);
      while (sqlite3_step(st) == SQLITE_ROW) {
        auto id = RsvpId::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        REQUIRE(id.has_value());
        ++on_disk[*id];
        disk_ids[*id] = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      }
      sqlite3_finalize(st);
    }
    for (const auto& who : reported) {
      CHECK_MESSAGE(on_disk[who] == 1, "a reported check-in is missing or doubled");
      if (ids.count(who)) CHECK(disk_ids[who] == ids[who]);
    }
    for (const auto& [who, n] : on_disk) {
      bool expected = reported.count(who) || (in_flight && *in_flight == who);
      CHECK_MESSAGE(expected, "a check-in is on disk that was never asked for");
      CHECK(n == 1);
    }
    // Each check-in has exactly one outbox entry, carrying the same record ID.
    CHECK(count(db, "SELECT count(*) FROM check_in") == count(db, "SELECT count(*) FROM outbox WHERE kind = 'check_in'"));
    CHECK(count(db, "SELECT count(*) FROM check_in c JOIN outbox o ON o.record_id = c.id") ==
          count(db, "SELECT count(*) FROM check_in"));
    sqlite3_close(db);

    if (in_flight && !reported.count(*in_flight) && on_disk.count(*in_flight)) {
      reported.insert(*in_flight);  // it reached the disk before the cut: from now on a fact
      ++in_flight_landed;
    }
  }
  MESSAGE("power cuts: " << kills << ", answers read: " << lines << ", people checked in: " << reported.size()
                         << ", in-flight check-ins that reached the disk: " << in_flight_landed);
  CHECK(kills == rounds);
  CHECK(reported.size() > 10);
  std::filesystem::remove_all(dir);
}

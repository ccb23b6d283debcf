// USB serial scanners, tested on a pseudo-terminal pair: the test holds the "scanner" end (the
// master) and the SerialScanner opens the other end through a link, as udev's
// /dev/serial/by-id links do, so a replug can bring back a new device under the same name.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <filesystem>
#include <string>
#include <thread>

#include "platform/input/serial_scanner.hpp"

using namespace cate;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// The scanner's end of a pseudo-terminal.
struct FakeScanner {
  int master = -1;
  std::string slave;
  FakeScanner() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const char* name = ::ptsname(master);
    REQUIRE(name != nullptr);
    slave = name;
  }
  ~FakeScanner() { unplug(); }
  void send(const std::string& bytes) const {
    REQUIRE(::write(master, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  void unplug() {
    if (master >= 0) ::close(master);
    master = -1;
  }
};

/// A private folder with a link "scanner" pointing at a device, like /dev/serial/by-id/….
struct LinkFolder {
  fs::path dir;
  LinkFolder() {
    std::string name = (fs::temp_directory_path() / "cate-serial-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    dir = name;
  }
  ~LinkFolder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string point_to(const std::string& target) const {
    const fs::path link = dir / "scanner";
    std::error_code ec;
    fs::remove(link, ec);
    fs::create_symlink(target, link);
    return link.string();
  }
};

SerialOptions quick(const std::string& device) {
  SerialOptions o;
  o.device = device;
  o.first_retry = 10ms;
  o.max_retry = 40ms;
  return o;
}

}  // namespace

TEST_CASE("serial scanner: lines ended by CR, LF or CRLF, empty lines skipped") {
  FakeScanner fake;
  SerialScanner scanner(quick(fake.slave));
  REQUIRE(scanner.start());
  fake.send("CATE1.first\rCATE1.second\nCATE1.third\r\n\r\n\nCATE1.fourth\n");
  for (const char* expected : {"CATE1.first", "CATE1.second", "CATE1.third", "CATE1.fourth"}) {
    auto line = scanner.next(1000ms);
    REQUIRE(line);
    CHECK(line->text == expected);
  }
  auto none = scanner.next(30ms);
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == SerialError::Kind::Timeout);
}

TEST_CASE("serial scanner: a line that arrives in pieces is one scan; CRLF split across reads") {
  FakeScanner fake;
  SerialScanner scanner(quick(fake.slave));
  REQUIRE(scanner.start());
  fake.send("CATE1.ab");
  auto early = scanner.next(30ms);
  REQUIRE_FALSE(early);
  CHECK(early.error().kind == SerialError::Kind::Timeout);
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    fake.send("cd");
    std::this_thread::sleep_for(20ms);
    fake.send("ef\r");
    std::this_thread::sleep_for(20ms);
    fake.send("\nNEXT\n");
  });
  auto line = scanner.next(2000ms);
  later.join();
  REQUIRE(line);
  CHECK(line->text == "CATE1.abcdef");
  auto next = scanner.next(1000ms);
  REQUIRE(next);
  CHECK(next->text == "NEXT");  // the LF after the CR was not an empty line or part of this one
}

TEST_CASE("serial scanner: an overlong line is dropped whole and reported; the next line is fine") {
  FakeScanner fake;
  SerialOptions o = quick(fake.slave);
  o.max_line = 64;
  SerialScanner scanner(o);
  REQUIRE(scanner.start());
  fake.send(std::string(200, 'x') + "\nCATE1.ok\n");
  auto dropped = scanner.next(1000ms);
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().kind == SerialError::Kind::LineTooLong);
  CHECK(dropped.error().message.find("64") != std::string::npos);
  auto line = scanner.next(1000ms);
  REQUIRE(line);
  CHECK(line->text == "CATE1.ok");  // no tail of the long line sneaks in as a scan
  fake.send(std::string(64, 'y') + "\n");  // exactly the limit is still a line
  auto exact = scanner.next(1000ms);
  REQUIRE(exact);
  CHECK(exact->text.size() == 64);
}

TEST_CASE("serial scanner: unplugged and plugged back in is recovered by itself") {
  LinkFolder folder;
  auto fake = std::make_unique<FakeScanner>();
  const std::string link = folder.point_to(fake->slave);
  SerialScanner scanner(quick(link));
  REQUIRE(scanner.start());
  fake->send("BEFORE\n");
  auto before = scanner.next(1000ms);
  REQUIRE(before);
  CHECK(before->text == "BEFORE");

  fake->unplug();  // the other end goes away
  auto gone = scanner.next(1000ms);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().kind == SerialError::Kind::Disconnected);
  CHECK(gone.error().message.find("unplugged") != std::string::npos);
  CHECK_FALSE(scanner.connected());
  fake.reset();

  // Still away: the scanner keeps saying so, and keeps trying with back-off.
  auto still = scanner.next(50ms);
  REQUIRE_FALSE(still);
  CHECK(still.error().kind == SerialError::Kind::Disconnected);

  // Plugged back in: a new device behind the same name.
  FakeScanner again;
  folder.point_to(again.slave);
  bool reconnected = false;
  for (int i = 0; i < 100 && !reconnected; ++i) {
    auto r = scanner.next(20ms);
    reconnected = scanner.connected();
    if (r) FAIL("a line before anything was sent");
  }
  REQUIRE(reconnected);
  again.send("AFTER\r\n");
  auto after = scanner.next(1000ms);
  REQUIRE(after);
  CHECK(after->text == "AFTER");
}

TEST_CASE("serial scanner: clear errors with no scanner, a non-terminal, and before start") {
  SerialOptions none;
  none.device_folder = fs::temp_directory_path().string() + "/cate-no-such-folder";
  SerialScanner absent(none);
  auto r = absent.start();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == SerialError::Kind::NoScanner);
  CHECK(r.error().message.find("plug") != std::string::npos);

  SerialScanner missing(quick("/nonexistent/ttyACM7"));
  auto m = missing.start();
  REQUIRE_FALSE(m);
  CHECK(m.error().kind == SerialError::Kind::NoScanner);

  LinkFolder folder;
  const std::string file = (folder.dir / "plain-file").string();
  { std::FILE* f = std::fopen(file.c_str(), "w"); REQUIRE(f); std::fclose(f); }
  SerialScanner not_tty(quick(file));
  auto t = not_tty.start();
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == SerialError::Kind::NotATerminal);

  SerialScanner idle(quick(file));
  auto n = idle.next(10ms);
  REQUIRE_FALSE(n);
  CHECK(n.error().kind == SerialError::Kind::NotStarted);
}

TEST_CASE("serial scanner: discovery lists ttyACM devices in name order") {
  LinkFolder folder;
  for (const char* name : {"ttyACM1", "ttyACM0", "ttyS0", "video0"}) {
    std::FILE* f = std::fopen((folder.dir / name).c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
  }
  const auto found = list_serial_scanners(folder.dir.string());
  REQUIRE(found.size() == 2);
  CHECK(fs::path(found[0]).filename() == "ttyACM0");
  CHECK(fs::path(found[1]).filename() == "ttyACM1");
}

// systemd's notify protocol against a real AF_UNIX datagram socket standing in for systemd:
// the messages, the abstract namespace, no socket at all, the watchdog's interval and pace, and
// the kiosk app itself under it (READY=1 after the first Welcome frame, WATCHDOG=1 while idle,
// STOPPING=1 on SIGTERM), drawn offscreen.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "platform/systemd/notify.hpp"

using namespace cate;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// What systemd holds: a datagram socket the service sends to, named in $NOTIFY_SOCKET.
struct FakeSystemd {
  int fd = -1;
  std::string name;  // what goes into NOTIFY_SOCKET
  fs::path dir;

  explicit FakeSystemd(bool abstract = false) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len;
    if (abstract) {
      name = "@cate-test-notify-" + std::to_string(::getpid());
      std::memcpy(addr.sun_path + 1, name.data() + 1, name.size() - 1);
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    } else {
      char tmpl[] = "/tmp/cate-notify-XXXXXX";
      REQUIRE(::mkdtemp(tmpl) != nullptr);
      dir = tmpl;
      name = (dir / "notify").string();
      std::strcpy(addr.sun_path, name.c_str());
      len = static_cast<socklen_t>(sizeof(addr));
    }
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~FakeSystemd() {
    ::close(fd);
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    if (!dir.empty()) fs::remove_all(dir);
  }
  /// The next message, or "" after `wait` with none.
  std::string receive(std::chrono::milliseconds wait = 2000ms) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return {};
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
};

}  // namespace

TEST_CASE("systemd notify: each message is one datagram on NOTIFY_SOCKET") {
  FakeSystemd systemd;
  CHECK(systemd::notify("READY=1"));
  CHECK(systemd.receive() == "READY=1");
  CHECK(systemd::notify("STATUS=checking in: Member meeting\nWATCHDOG=1"));
  CHECK(systemd.receive() == "STATUS=checking in: Member meeting\nWATCHDOG=1");
}

TEST_CASE("systemd notify: an abstract socket (@name)") {
  FakeSystemd systemd(true);
  CHECK(systemd::notify("READY=1"));
  CHECK(systemd.receive() == "READY=1");
}

TEST_CASE("systemd notify: does nothing without NOTIFY_SOCKET, or with nobody listening") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(systemd::notify("READY=1"));
  systemd::ServiceNotifier quiet;
  CHECK_FALSE(quiet.active());
  CHECK(quiet.tick() == -1);
  quiet.ready();
  quiet.stopping();
  ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
  CHECK_FALSE(systemd::notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(systemd::notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("systemd notify: the watchdog interval is WATCHDOG_USEC, for this process only") {
  FakeSystemd systemd;
  CHECK(systemd::watchdog_interval() == 0us);
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  CHECK(systemd::watchdog_interval() == 20s);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(systemd::watchdog_interval() == 20s);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  CHECK(systemd::watchdog_interval() == 0us);  // meant for another process
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "soon", 1);
  CHECK(systemd::watchdog_interval() == 0us);
}

TEST_CASE("systemd notify: ServiceNotifier pets the watchdog at half its interval") {
  FakeSystemd systemd;
  ::setenv("WATCHDOG_USEC", "400000", 1);  // 400 ms: a ping every 200 ms
  systemd::ServiceNotifier n;
  REQUIRE(n.active());
  CHECK(n.ping_every() == 200ms);
  n.ready("showing the welcome screen");
  CHECK(systemd.receive() == "READY=1\nSTATUS=showing the welcome screen");
  n.ready();  // once only
  const int first = n.tick();  // the first turn of the loop pets it at once
  CHECK(systemd.receive() == "WATCHDOG=1");
  CHECK(first > 150);
  CHECK(first <= 200);
  CHECK(n.tick() > 0);  // not due again yet: nothing sent
  CHECK(systemd.receive(50ms).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(n.ms_until_ping() + 5));
  n.tick();
  CHECK(systemd.receive() == "WATCHDOG=1");
  CHECK(n.pings() == 2);
  n.stopping();
  n.stopping();
  CHECK(systemd.receive() == "STOPPING=1");
  CHECK(systemd.receive(50ms).empty());
}

TEST_CASE("systemd notify: the kiosk app says READY after its first frame, pets the watchdog while idle, STOPPING on SIGTERM") {
  const char* kiosk = std::getenv("CATE_KIOSK");
  if (!kiosk || !fs::exists(kiosk)) {
    MESSAGE("CATE_KIOSK is not set: skipped");
    return;
  }
  FakeSystemd systemd;
  char tmpl[] = "/tmp/cate-notify-store-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const fs::path dir = tmpl;
  const std::string store = (dir / "kiosk.db").string();
  const std::string log = (dir / "kiosk.log").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("WATCHDOG_USEC", "600000", 1);  // a ping at least every 300 ms, with nobody at the kiosk
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);  // Mesa's own allocations are not ours
    if (std::FILE* f = std::freopen(log.c_str(), "w", stderr); !f) ::_exit(126);
    ::execl(kiosk, kiosk, "--store", store.c_str(), "--offscreen", "--windowed", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::vector<std::string> got;
  const auto give_up = std::chrono::steady_clock::now() + 60s;  // llvmpipe under ASan is slow
  int watchdogs_after_ready = 0;
  while (std::chrono::steady_clock::now() < give_up && watchdogs_after_ready < 4) {
    std::string m = systemd.receive(1000ms);
    if (m.empty()) continue;
    got.push_back(m);
    const bool ready = std::find_if(got.begin(), got.end(), [](auto& s) { return s.rfind("READY=1", 0) == 0; }) != got.end();
    if (ready && m == "WATCHDOG=1") ++watchdogs_after_ready;
  }
  ::kill(pid, SIGTERM);
  bool stopping = false;  // pings may still come before it; 10 s is the unit's TimeoutStopSec
  for (int i = 0; i < 40 && !stopping; ++i) stopping = systemd.receive(250ms) == "STOPPING=1";
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string messages;
  for (auto& s : got) messages += "[" + s + "] ";
  INFO("messages: " << messages);
  CHECK(watchdogs_after_ready >= 4);
  CHECK(stopping);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(dir);
}

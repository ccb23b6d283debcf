#include "platform/systemd/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace cate::systemd {

bool notify(std::string_view message) {
  const char* where = std::getenv("NOTIFY_SOCKET");
  if (!where || !*where || message.empty()) return false;
  const std::string_view path(where);
  // "@name" is Linux's abstract namespace (a leading NUL byte); anything else a file path.
  if (path[0] != '/' && path[0] != '@') return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  close(fd);
  return sent == static_cast<ssize_t>(message.size());
}

std::chrono::microseconds watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec || !*usec) return std::chrono::microseconds(0);
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid) {
    char* end = nullptr;
    const long long p = std::strtoll(pid, &end, 10);
    if (*end != '\0' || p != static_cast<long long>(getpid())) return std::chrono::microseconds(0);
  }
  char* end = nullptr;
  const unsigned long long us = std::strtoull(usec, &end, 10);
  if (*end != '\0' || us == 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<std::int64_t>(us));
}

ServiceNotifier::ServiceNotifier() {
  const char* where = std::getenv("NOTIFY_SOCKET");
  active_ = where && *where;
  if (!active_) return;
  ping_every_ = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_interval() / 2);
  if (ping_every_.count() == 0 && watchdog_interval().count() > 0) ping_every_ = std::chrono::milliseconds(1);
  next_ping_ = Clock::now();  // the first call to tick() pets it at once
}

void ServiceNotifier::ready(std::string_view status) {
  if (!active_ || ready_) return;
  std::string message = "READY=1";
  if (!status.empty()) message.append("\nSTATUS=").append(status);
  notify(message);
  ready_ = true;
}

void ServiceNotifier::status(std::string_view status) {
  if (!active_) return;
  notify(std::string("STATUS=").append(status));
}

int ServiceNotifier::tick() {
  if (!active_ || ping_every_.count() == 0) return -1;
  const auto now = Clock::now();
  if (now >= next_ping_) {
    if (notify("WATCHDOG=1")) ++pings_;
    next_ping_ = now + ping_every_;
  }
  return ms_until_ping();
}

int ServiceNotifier::ms_until_ping() const {
  if (!active_ || ping_every_.count() == 0) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_ping_ - Clock::now()).count();
  return left < 1 ? 1 : static_cast<int>(left);
}

void ServiceNotifier::stopping() {
  if (!active_ || stopping_) return;
  notify("STOPPING=1");
  stopping_ = true;
}

}  // namespace cate::systemd

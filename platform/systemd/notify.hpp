#pragma once
/// @brief Tells systemd how the service is doing: READY=1 once it is up, WATCHDOG=1 while it is
/// alive, STATUS=… for `systemctl status`, STOPPING=1 on the way out.
///
/// This is sd_notify's protocol (systemd's NOTIFY_SOCKET, documented in sd_notify(3)): each
/// message is one datagram of NAME=value lines sent to the AF_UNIX socket named by
/// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). With no $NOTIFY_SOCKET (not
/// started by systemd, a test, a developer's terminal) everything here does nothing.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cate::systemd {

/// Sends `message` ("READY=1", "WATCHDOG=1\nSTATUS=…") to $NOTIFY_SOCKET. True when it was sent;
/// false when there is no socket to send to or sending failed (never throws, never blocks long).
bool notify(std::string_view message);

/// How often systemd expects WATCHDOG=1 from this process: $WATCHDOG_USEC when it is set and
/// $WATCHDOG_PID, if set, is this process. Zero when the service has no watchdog.
std::chrono::microseconds watchdog_interval();

/// @brief A service's side of the conversation, kept by its main loop.
///
/// Reads the environment once. tick() is called from the loop whenever it runs and pets the
/// watchdog at half the interval systemd asked for; the loop must wake by itself before
/// ms_until_ping() runs out even when nothing else happens (a hung loop must not be petted).
class ServiceNotifier {
 public:
  ServiceNotifier();

  /// True when started by systemd with a notify socket.
  bool active() const { return active_; }
  /// Half of the watchdog interval, or zero with no watchdog.
  std::chrono::milliseconds ping_every() const { return ping_every_; }

  /// READY=1 (once), with a STATUS= line when `status` is not empty.
  void ready(std::string_view status = {});
  bool is_ready() const { return ready_; }
  /// STATUS=… alone.
  void status(std::string_view status);
  /// Pets the watchdog when the next ping is due. Returns ms until the next one is due (at least
  /// 1), or -1 when there is no watchdog.
  int tick();
  /// Milliseconds until the next ping is due (at least 1), or -1 when there is no watchdog.
  int ms_until_ping() const;
  /// STOPPING=1 (once).
  void stopping();

  /// Pings sent so far (for tests and the log).
  std::uint64_t pings() const { return pings_; }

 private:
  using Clock = std::chrono::steady_clock;
  bool active_ = false;
  bool ready_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds ping_every_{0};
  Clock::time_point next_ping_{};
  std::uint64_t pings_ = 0;
};

}  // namespace cate::systemd

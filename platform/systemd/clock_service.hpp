#pragma once
/// @brief The device's clock as the kiosk may see and ask for it: whether network time set it,
/// and a request to set it, handed to the system's root-only service through files.
///
/// The kiosk's own service may not set the clock (ProtectClock=). The device image has a folder
/// for requests, /run/cate-clock: the kiosk writes `request` (written whole as `request.tmp`,
/// then renamed, so the service never reads half of one), the path unit cate-set-clock.path
/// starts cate-set-clock.service, which sets the clock or refuses and writes `result`. The
/// words of both files are the core's (kiosk/core/clock.hpp). Where the folder does not exist
/// (a desktop, the demo) the clock is the computer's own business and can_set() is false.
#include <optional>
#include <string>
#include <string_view>

namespace cate::systemd {

struct ClockPaths {
  std::string folder = "/run/cate-clock";  ///< requests and results (image: tmpfiles, group cate-kiosk)
  /// Exists while systemd-timesyncd has network time (removed when it loses it).
  std::string synced_flag = "/run/systemd/timesync/synchronized";
  /// Also ask the kernel whether any network time daemon keeps the clock (adjtimex; a desktop's
  /// chrony or ntpd). Off in tests, which must not depend on this computer's clock.
  bool ask_kernel = true;
};

class ClockService {
 public:
  explicit ClockService(ClockPaths paths) : paths_(std::move(paths)) {}

  /// Network time keeps the clock: the flag file exists, or the kernel says so (ask_kernel).
  bool network_synced() const;
  /// The system takes requests here: the folder exists and this process may write in it.
  bool can_set() const;
  /// Writes `text` (clock_request_text) as the request, after removing an old result. Empty
  /// when written; otherwise why not, in words for staff ("… Permission denied").
  std::string request(std::string_view text) const;
  /// The system's answer to the last request, if it has written one (at most 256 bytes read).
  std::optional<std::string> answer() const;

 private:
  ClockPaths paths_;
};

}  // namespace cate::systemd

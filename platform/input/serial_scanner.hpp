#pragma once
/// @brief USB serial (CDC ACM) barcode scanners: a scanner that shows up as /dev/ttyACM* and sends
/// each code as one line of text. Raw reads, lines ended by CR, LF or CRLF, recovery on replug.
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "platform/result.hpp"

namespace cate {

/// Why no line came from the scanner, with a message a person can act on.
struct SerialError {
  enum class Kind {
    NoScanner,     ///< no serial scanner is plugged in (no /dev/ttyACM*)
    CannotOpen,    ///< the device exists but cannot be opened (permissions, busy)
    NotATerminal,  ///< the path is not a serial device
    Disconnected,  ///< the scanner went away (unplugged); next() keeps trying to reopen it
    Timeout,       ///< no complete line within the time asked for; try again
    LineTooLong,   ///< a line longer than the limit arrived and was dropped (not a code we read)
    NotStarted,    ///< next() before start(), or after stop()
    Io,            ///< any other failure talking to the device
  } kind;
  std::string message;  ///< e.g. "cannot open /dev/ttyACM0: permission denied: add the kiosk user to group dialout"
};

/// One line the scanner sent: a scan.
struct ScannerLine {
  std::string text;                                 ///< without its CR/LF
  std::chrono::steady_clock::time_point received;  ///< when its last byte was read
};

struct SerialOptions {
  std::string device;  ///< "/dev/ttyACM0" (or a /dev/serial/by-id link); empty: the first ttyACM found
  std::string device_folder = "/dev";
  std::size_t max_line = 1024;  ///< longer lines are dropped (a ticket is ~160 characters)
  std::chrono::milliseconds first_retry{250};  ///< back-off when reopening an unplugged scanner...
  std::chrono::milliseconds max_retry{4000};   ///< ...doubling up to this
};

/// Every ttyACM* device under `device_folder`, in name order.
std::vector<std::string> list_serial_scanners(const std::string& device_folder = "/dev");

/// start() succeeded: the scanner is open.
struct SerialOpened {};

/// @brief Reads scans from one USB serial scanner. Not thread-safe: one thread calls next().
class SerialScanner {
 public:
  explicit SerialScanner(SerialOptions options = {});
  ~SerialScanner();
  SerialScanner(const SerialScanner&) = delete;
  SerialScanner& operator=(const SerialScanner&) = delete;

  /// Opens the device in raw mode. Fails with NoScanner, CannotOpen or NotATerminal.
  Result<SerialOpened, SerialError> start();
  /// Waits at most `timeout` for the next complete line. Timeout, LineTooLong and Disconnected
  /// are worth calling again for: after an unplug it reopens the device by itself, with back-off.
  Result<ScannerLine, SerialError> next(std::chrono::milliseconds timeout);
  /// Closes the device. start() may be called again.
  void stop();
  /// The device being read ("/dev/ttyACM0"), for the staff screen and logs.
  std::string description() const;
  /// Whether the device is open now (false while waiting for a replug).
  bool connected() const { return fd_ >= 0; }

 private:
  Result<SerialOpened, SerialError> open_device();
  void close_device();
  /// Splits bytes into lines; an overlong line is dropped and counted in dropped_.
  void take_bytes(const char* data, std::size_t size);

  SerialOptions options_;
  int fd_ = -1;
  bool started_ = false;
  std::string path_;     ///< the device open now, or last open
  std::string partial_;  ///< bytes of a line not yet ended
  bool last_was_cr_ = false;
  bool dropping_ = false;  ///< inside an overlong line: drop until its end
  std::deque<std::string> lines_;
  std::size_t dropped_ = 0;  ///< overlong lines not yet reported
  std::chrono::milliseconds retry_{0};
  std::chrono::steady_clock::time_point next_retry_{};
};

}  // namespace cate

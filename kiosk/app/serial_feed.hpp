#pragma once
/// @brief SerialFeed: a USB serial (CDC ACM) barcode scanner read on a thread of its own; each
/// line it sends is a code for the app. Unplugging and plugging back is a state, not an error.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "platform/input/serial_scanner.hpp"

namespace cate::app {

/// What the serial scanner is doing, for staff.
struct SerialReport {
  bool connected = false;
  std::string description;  ///< "/dev/ttyACM0"
  std::string problem;      ///< the scanner's own words when it cannot be read
  std::uint64_t codes = 0;
};

class SerialFeed {
 public:
  using OnCode = std::function<void(std::string code)>;
  /// `wake` makes the window loop draw soon (a change staff may be watching).
  SerialFeed(SerialOptions options, std::function<void()> wake);
  ~SerialFeed();  ///< stops and joins the thread
  SerialFeed(const SerialFeed&) = delete;
  SerialFeed& operator=(const SerialFeed&) = delete;

  void start(OnCode on_code);
  SerialReport report() const;

 private:
  void loop(OnCode on_code);
  void set(bool connected, std::string problem);

  SerialScanner scanner_;
  std::function<void()> wake_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  SerialReport report_;
  std::thread thread_;
};

}  // namespace cate::app

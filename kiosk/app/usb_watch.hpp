#pragma once
/// @brief UsbStickWatch: looks for USB sticks on a thread of its own (statvfs on a slow stick can
/// block), at once when asked to watch and every couple of seconds after, and hands each new
/// finding to a callback (which posts it to the UI's RunQueue, so the screen is drawn again
/// every couple of seconds while it watches, and not at all otherwise).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/storage/usb_sticks.hpp"

namespace cate::app {

class UsbStickWatch {
 public:
  using Found = std::function<void(std::vector<UsbStick>)>;
  /// Starts the thread, not watching yet. `found` is called on that thread.
  UsbStickWatch(StickSearch search, std::chrono::milliseconds every, Found found);
  ~UsbStickWatch();  ///< stops the thread (after a look under way)
  UsbStickWatch(const UsbStickWatch&) = delete;
  UsbStickWatch& operator=(const UsbStickWatch&) = delete;

  /// On: look now and every `every` after. Off: stop looking (a look under way is not handed on).
  void watch(bool on);
  /// Look again now (after an export, the room left has changed).
  void look_now();

 private:
  void run();

  const StickSearch search_;
  const std::chrono::milliseconds every_;
  const Found found_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool watching_ = false;
  bool look_now_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cate::app

// SerialFeed: SerialScanner::next in a loop; it reopens an unplugged scanner by itself.
#include "kiosk/app/serial_feed.hpp"

#include <chrono>

namespace cate::app {

SerialFeed::SerialFeed(SerialOptions options, std::function<void()> wake)
    : scanner_(std::move(options)), wake_(std::move(wake)) {}

SerialFeed::~SerialFeed() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  scanner_.stop();
}

void SerialFeed::start(OnCode on_code) {
  thread_ = std::thread([this, on_code = std::move(on_code)] { loop(on_code); });
}

void SerialFeed::set(bool connected, std::string problem) {
  bool changed;
  {
    std::lock_guard lock(mutex_);
    changed = report_.connected != connected || report_.problem != problem;
    report_.connected = connected;
    report_.problem = std::move(problem);
    report_.description = scanner_.description();
  }
  if (changed && wake_) wake_();
}

void SerialFeed::loop(OnCode on_code) {
  using namespace std::chrono_literals;
  auto retry = 1000ms;
  while (!stopping_.load()) {
    if (auto r = scanner_.start(); !r) {  // not there yet: look again, a little less often each time
      set(false, r.error().message);
      for (auto waited = 0ms; waited < retry && !stopping_.load(); waited += 100ms) std::this_thread::sleep_for(100ms);
      retry = std::min(retry * 2, std::chrono::milliseconds(8000));
      continue;
    }
    set(true, "");
    retry = 1000ms;
    bool reopen = false;
    while (!stopping_.load() && !reopen) {
      auto line = scanner_.next(200ms);
      if (line) {
        {
          std::lock_guard lock(mutex_);
          ++report_.codes;
        }
        if (!line->text.empty() && on_code) on_code(std::move(line->text));
        continue;
      }
      switch (line.error().kind) {
        case SerialError::Kind::Timeout: set(scanner_.connected(), scanner_.connected() ? "" : report().problem); break;
        case SerialError::Kind::Disconnected: set(false, line.error().message); break;
        case SerialError::Kind::LineTooLong: break;
        default:  // NotStarted, Io: close and open it again from the top, after a pause
          std::this_thread::sleep_for(100ms);
          set(false, line.error().message);
          scanner_.stop();
          reopen = true;
          break;
      }
    }
  }
}

SerialReport SerialFeed::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

}  // namespace cate::app

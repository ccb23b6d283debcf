// UsbStickWatch: sticks looked for off the render thread (usb_watch.hpp).
#include "kiosk/app/usb_watch.hpp"

namespace cate::app {

UsbStickWatch::UsbStickWatch(StickSearch search, std::chrono::milliseconds every, Found found)
    : search_(std::move(search)), every_(every), found_(std::move(found)), thread_([this] { run(); }) {}

UsbStickWatch::~UsbStickWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void UsbStickWatch::watch(bool on) {
  {
    std::lock_guard lock(mutex_);
    if (on == watching_) return;
    watching_ = on;
    look_now_ = on;
  }
  wake_.notify_all();
}

void UsbStickWatch::look_now() {
  {
    std::lock_guard lock(mutex_);
    look_now_ = true;
  }
  wake_.notify_all();
}

void UsbStickWatch::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!watching_) {
      wake_.wait(lock, [this] { return stopping_ || watching_; });
      continue;
    }
    if (!look_now_) {
      wake_.wait_for(lock, every_, [this] { return stopping_ || !watching_ || look_now_; });
      if (stopping_ || !watching_) continue;
    }
    look_now_ = false;
    lock.unlock();
    std::vector<UsbStick> sticks = find_usb_sticks(search_);  // unlocked: may block on a slow stick
    lock.lock();
    if (!watching_ || stopping_) continue;
    lock.unlock();
    found_(std::move(sticks));
    lock.lock();
  }
}

}  // namespace cate::app

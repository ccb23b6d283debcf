#include "kiosk/core/store_service.hpp"

namespace cate {

Result<std::unique_ptr<StoreService>, StoreError> StoreService::start(const std::string& path) {
  // The store is opened here and then used only by the owner thread: SQLite's connection is
  // opened without a mutex (SQLITE_OPEN_NOMUTEX), which is safe because only one thread touches it.
  auto store = Store::open(path);
  if (!store) return Err{store.error()};
  std::unique_ptr<StoreService> s(new StoreService());
  s->store_ = std::move(store.value());
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

StoreService::~StoreService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StoreService::post(std::function<void(Store&)> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void StoreService::run() {
  for (;;) {
    std::function<void(Store&)> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and every request answered
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(*store_);
  }
}

}  // namespace cate

#pragma once
/// @brief StoreService: one thread owns the Store; other threads (UI, camera, sync) ask it.
///
/// SQLite connections are not shared between threads here: every request runs on the owner
/// thread, in the order asked, and its answer comes back as a std::future.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

#include "kiosk/core/store.hpp"

namespace cate {

class StoreService {
 public:
  /// Opens the store on a new owner thread.
  static Result<std::unique_ptr<StoreService>, StoreError> start(const std::string& path);
  ~StoreService();  ///< finishes every request already asked, then closes the store

  /// Runs `f(Store&)` on the owner thread; the future holds what it returns.
  template <class F>
  auto ask(F f) -> std::future<std::invoke_result_t<F, Store&>> {
    using R = std::invoke_result_t<F, Store&>;
    auto task = std::make_shared<std::packaged_task<R(Store&)>>(std::move(f));
    auto future = task->get_future();
    post([task](Store& s) { (*task)(s); });
    return future;
  }

 private:
  StoreService() = default;
  void post(std::function<void(Store&)> job);
  void run();

  std::unique_ptr<Store> store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void(Store&)>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cate

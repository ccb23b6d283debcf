#pragma once
/// @brief RunQueue: the one way work finished on other threads (the store, later the camera and
/// sync) reaches the UI. Any thread posts; the UI thread runs what was posted, in order, at the
/// start of its next frame. Posting wakes the window loop.
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

namespace cate::app {

template <class Target>
class RunQueue {
 public:
  explicit RunQueue(std::function<void()> wake) : wake_(std::move(wake)) {}

  /// Any thread: runs `job` on the UI thread soon.
  void post(std::function<void(Target&)> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    if (wake_) wake_();
  }

  /// UI thread: runs everything posted so far.
  void run_all(Target& target) {
    std::deque<std::function<void(Target&)>> jobs;
    {
      std::lock_guard lock(mutex_);
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) job(target);
  }

 private:
  std::function<void()> wake_;
  std::mutex mutex_;
  std::deque<std::function<void(Target&)>> jobs_;
};

}  // namespace cate::app

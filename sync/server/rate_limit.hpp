#pragma once
/// @brief A token bucket per caller (a device, or an address before it has said who it is):
/// `burst` requests at once, refilled at `per_second`. Thread-safe.
#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace cate {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}

  /// Takes one token for `who` at `now_ms`; false when the bucket is empty (answer 429).
  bool allow(const std::string& who, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (buckets_.size() > 10000) buckets_.clear();  // bounded memory; forgetting only forgives
    auto [it, fresh] = buckets_.try_emplace(who, Bucket{burst_, now_ms});
    Bucket& b = it->second;
    if (!fresh) {
      double elapsed_s = static_cast<double>(std::max<std::int64_t>(0, now_ms - b.last_ms)) / 1000.0;
      b.tokens = std::min(burst_, b.tokens + elapsed_s * rate_);
      b.last_ms = now_ms;
    }
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    std::int64_t last_ms;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace cate

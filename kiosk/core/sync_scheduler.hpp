#pragma once
/// @brief SyncScheduler: the kiosk's background sync. One thread of its own runs sync rounds
/// (upload the outbox, then pull) whenever the kiosk is enrolled: soon after a new record, every
/// few minutes otherwise, at once when staff touch "Sync now", and after a failed round only
/// after the client's back-off. The HTTP runs on this thread; every read and write of the
/// store goes through the StoreService, so the store keeps its single owner. Staff mode reads
/// status() to show last sync, records waiting, a progress bar and the last error in words.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "kiosk/core/store_service.hpp"
#include "sync/client/sync_client.hpp"

namespace cate {

/// What staff see of sync. Copied out under a lock; times are Unix milliseconds (0: never).
struct SyncStatus {
  bool enrolled = false;         ///< the store holds a server and a token
  bool running = false;          ///< a round is under way now
  SyncProgress progress;         ///< of the round under way, or of the last one
  std::int64_t last_ok_ms = 0;   ///< when a whole round last went through
  std::int64_t last_try_ms = 0;  ///< when the last round ended, well or not
  std::int64_t next_try_ms = 0;  ///< when the next round is due (0: waiting for a reason)
  std::int64_t pending = -1;     ///< records waiting in the outbox after the last round (-1: unknown)
  std::string last_error;        ///< the last round's failure in words; empty after a good round
  SyncFailure failure = SyncFailure::None;  ///< the last round's failure, for words in the kiosk's language
  bool revoked = false;          ///< the office withdrew this kiosk
  std::int64_t rounds = 0;       ///< rounds run since start (for tests and device information)
};

struct SyncSchedule {
  std::int64_t after_record_ms = 5'000;  ///< a new record waits this long (others may join its batch)
  std::int64_t every_ms = 300'000;       ///< with nothing new, pull this often
  std::int64_t backoff_base_ms = 2'000;  ///< first wait after a failed round; doubles up to backoff_max_ms
  std::int64_t backoff_max_ms = 300'000;
  long connect_timeout_ms = 3'000;
  long request_timeout_ms = 15'000;
};

class SyncScheduler {
 public:
  /// Starts the thread. `changed` is called (from the sync thread) whenever status() changed,
  /// for the UI to draw again; it must not block.
  SyncScheduler(StoreService& store, SyncSchedule schedule, std::function<void()> changed);
  ~SyncScheduler();  ///< lets a round under way finish its current request, then stops
  SyncScheduler(const SyncScheduler&) = delete;
  SyncScheduler& operator=(const SyncScheduler&) = delete;

  /// "Sync now": a round at once (no back-off), unless one is running.
  void sync_now();
  /// A record was written: a round after `after_record_ms`, unless one is due sooner.
  void record_written();
  /// Records left the outbox another way (the office's receipt, from a USB stick): `pending`
  /// records wait now. status() says so at once (unless a round under way will say it).
  void outbox_changed(std::int64_t pending);
  /// The enrolment changed (the kiosk was enrolled again): read the settings again, sync soon.
  void settings_changed() { sync_now(); }

  SyncStatus status() const;

 private:
  void run();
  void one_round();
  void set(const std::function<void(SyncStatus&)>& change);

  StoreService& store_;
  SyncSchedule schedule_;
  std::function<void()> changed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  SyncStatus status_;
  const SyncClient* current_ = nullptr;  ///< the round under way, for its live progress
  std::int64_t due_ms_ = 0;  ///< steady-clock ms of the next round
  bool stopping_ = false;
  Backoff backoff_;
  std::thread thread_;
};

}  // namespace cate

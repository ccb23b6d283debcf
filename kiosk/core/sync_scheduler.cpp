#include "kiosk/core/sync_scheduler.hpp"

#include <chrono>
#include <limits>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/outbox.hpp"

namespace cate {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max() / 2;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The sync client's view of the outbox and roster, with every call carried out on the store's
/// own thread (KioskSync over the Store there), while HTTP stays on the sync thread.
class ServiceOutbox final : public OutboxSource, public PullTarget {
 public:
  explicit ServiceOutbox(StoreService& store) : store_(store) {}

  Result<std::vector<OutboxRecord>, std::string> next_batch(std::size_t max, std::int64_t after) override {
    return store_.ask([=](Store& s) { return KioskSync(s).next_batch(max, after); }).get();
  }
  Result<std::monostate, std::string> acknowledge(const std::vector<Uuid>& ids) override {
    return store_.ask([&](Store& s) { return KioskSync(s).acknowledge(ids); }).get();
  }
  Result<std::monostate, std::string> keep(const std::vector<Uuid>& ids, std::string_view reason) override {
    return store_.ask([&](Store& s) { return KioskSync(s).keep(ids, reason); }).get();
  }
  std::int64_t pending() override {
    return store_.ask([](Store& s) { return KioskSync(s).pending(); }).get();
  }
  std::string pull_cursor() override {
    return store_.ask([](Store& s) { return KioskSync(s).pull_cursor(); }).get();
  }
  Result<std::string, std::string> apply_pull(const wire::PullResponse& pull) override {
    return store_.ask([&](Store& s) { return KioskSync(s).apply_pull(pull); }).get();
  }

 private:
  StoreService& store_;
};

}  // namespace

SyncScheduler::SyncScheduler(StoreService& store, SyncSchedule schedule, std::function<void()> changed)
    : store_(store),
      schedule_(schedule),
      changed_(std::move(changed)),
      backoff_(schedule.backoff_base_ms, schedule.backoff_max_ms) {
  due_ms_ = steady_ms() + 1'000;  // a first round soon after start: the network may be there
  thread_ = std::thread([this] { run(); });
}

SyncScheduler::~SyncScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SyncScheduler::sync_now() {
  {
    std::lock_guard lock(mutex_);
    due_ms_ = steady_ms();
  }
  wake_.notify_all();
}

void SyncScheduler::record_written() {
  {
    std::lock_guard lock(mutex_);
    // While the network is failing, the back-off decides; a new record does not hurry it.
    if (backoff_.failures() > 0 || status_.revoked) return;
    due_ms_ = std::min(due_ms_, steady_ms() + schedule_.after_record_ms);
  }
  wake_.notify_all();
}

void SyncScheduler::outbox_changed(std::int64_t pending) {
  set([pending](SyncStatus& st) {
    if (!st.running) st.pending = pending;
  });
}

SyncStatus SyncScheduler::status() const {
  std::lock_guard lock(mutex_);
  SyncStatus st = status_;
  if (current_) st.progress = current_->progress();
  return st;
}

void SyncScheduler::set(const std::function<void(SyncStatus&)>& change) {
  {
    std::lock_guard lock(mutex_);
    change(status_);
  }
  if (changed_) changed_();
}

void SyncScheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::int64_t wait = due_ms_ - steady_ms();
    if (wait > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(wait, 60'000)));
      continue;
    }
    due_ms_ = kNever;  // set again when the round ends
    lock.unlock();
    one_round();
    lock.lock();
  }
}

void SyncScheduler::one_round() {
  auto config = store_.ask([](Store& s) { return sync_config_from_store(s); }).get();
  if (!config) {
    // Not enrolled (or a damaged pin): nothing to do until staff enrol it or touch Sync now.
    set([&](SyncStatus& st) {
      st.enrolled = false;
      st.last_error = config.error();
      st.failure = SyncFailure::None;
      st.next_try_ms = 0;
    });
    return;
  }
  config->connect_timeout_ms = schedule_.connect_timeout_ms;
  config->request_timeout_ms = schedule_.request_timeout_ms;

  ServiceOutbox outbox(store_);
  const std::int64_t waiting = outbox.pending();
  set([&](SyncStatus& st) {
    st.enrolled = true;
    st.running = true;
    st.progress = SyncProgress{SyncProgress::Phase::Uploading, 0, waiting, "Syncing"};
  });

  SyncClient client(*config);
  {
    std::lock_guard lock(mutex_);
    current_ = &client;
  }
  RoundReport rep = client.round(outbox, outbox);
  {
    std::lock_guard lock(mutex_);
    current_ = nullptr;
  }
  const std::int64_t left = outbox.pending();
  if (rep.ok) store_.ask([](Store& s) { (void)s.purge_personal_data(now_unix_ms()); }).get();

  std::int64_t delay = 0;
  bool revoked = false;
  {
    std::lock_guard lock(mutex_);
    if (rep.ok) {
      backoff_.reset();
      delay = schedule_.every_ms;
    } else if (rep.error_code == "device_revoked") {
      revoked = true;
      delay = -1;
    } else {
      delay = backoff_.next_delay_ms();
    }
    // A Sync now touched during the round keeps its earlier due time.
    if (delay >= 0) due_ms_ = std::min(due_ms_, steady_ms() + delay);
  }
  const std::int64_t now = now_unix_ms();
  set([&](SyncStatus& st) {
    st.running = false;
    st.progress = client.progress();
    st.pending = left;
    st.last_try_ms = now;
    st.rounds += 1;
    st.revoked = revoked;
    st.next_try_ms = delay >= 0 ? now + delay : 0;
    st.failure = rep.failure;
    if (rep.ok) {
      st.last_ok_ms = now;
      st.last_error.clear();
    } else {
      st.last_error = revoked ? "the office has withdrawn (revoked) this kiosk: ask the office for a new enrolment code"
                              : rep.error;
    }
  });
}

}  // namespace cate

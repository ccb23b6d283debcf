// CameraFeed: a FrameSource wrapper (FeedSource) between the camera and the ScanPipeline does the
// retrying, the preview copy, the frame rate and the pause; the pipeline does the reading.
#include "kiosk/app/camera_feed.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>

namespace cate::app {

struct CameraFeed::Shared {
  std::function<void()> wake;
  CameraFeedOptions options;
  std::atomic<bool> scanning{false};
  std::atomic<bool> previewing{false};

  mutable std::mutex mutex;
  CameraReport report;
  std::optional<PreviewFrame> preview;          ///< newest, not yet taken
  std::deque<FrameClock::time_point> recent;    ///< arrival times of the last two seconds' frames
  FrameClock::time_point last_wake{};

  /// Sets the state; wakes the loop when it changed (a message appears or goes).
  void set_state(CameraReport::State state, std::string problem) {
    bool changed;
    {
      std::lock_guard lock(mutex);
      changed = report.state != state || report.problem != problem;
      report.state = state;
      report.problem = std::move(problem);
      if (state != CameraReport::State::Streaming) recent.clear(), report.frames_per_second = 0;
    }
    if (changed && wake) wake();
  }
};

namespace {

/// Between the real source and the pipeline: start() always succeeds; next() starts the real
/// source when it can (with back-off), and hands on frames only while the app is scanning.
class FeedSource final : public FrameSource {
 public:
  FeedSource(std::unique_ptr<FrameSource> inner, std::shared_ptr<CameraFeed::Shared> shared)
      : inner_(std::move(inner)), shared_(std::move(shared)) {}

  Result<Started, CameraError> start() override { return Started{}; }
  void stop() override {
    if (started_) inner_->stop();
    started_ = false;
  }
  std::string description() const override { return inner_->description(); }

  Result<Frame, CameraError> next(std::chrono::milliseconds timeout) override {
    using State = CameraReport::State;
    const auto deadline = FrameClock::now() + timeout;
    if (!started_) {
      if (FrameClock::now() < retry_at_) {
        std::this_thread::sleep_until(std::min(deadline, retry_at_));
        return Err(CameraError{CameraError::Kind::Timeout, "waiting to try the camera again"});
      }
      auto r = inner_->start();
      if (!r) {
        shared_->set_state(r.error().kind == CameraError::Kind::NoCamera && shared_->options.any_camera ? State::NotFound : State::Trouble,
                           r.error().message);
        back_off();
        return Err(CameraError{CameraError::Kind::Timeout, r.error().message});
      }
      started_ = true;
      retry_ = {};
      {
        std::lock_guard lock(shared_->mutex);
        shared_->report.description = inner_->description();
      }
      shared_->set_state(State::Looking, "");
    }
    auto frame = inner_->next(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - FrameClock::now(), FrameClock::duration::zero())));
    if (!frame) {
      switch (frame.error().kind) {
        case CameraError::Kind::Timeout: return frame;
        case CameraError::Kind::EndOfFrames: shared_->set_state(State::Ended, ""); return frame;
        case CameraError::Kind::BadFrame: return frame;  // the next one may be fine
        case CameraError::Kind::NoUsableFormat:
        case CameraError::Kind::NotACamera:
        case CameraError::Kind::NotStarted:
          // The device changed under us (another device took its name): start over, later.
          inner_->stop();
          started_ = false;
          back_off();
          [[fallthrough]];
        default:
          shared_->set_state(State::Trouble, frame.error().message);
          return Err(CameraError{CameraError::Kind::Timeout, frame.error().message});
      }
    }
    took(*frame);
    if (!shared_->scanning.load()) return Err(CameraError{CameraError::Kind::Timeout, "not scanning"});
    return frame;
  }

 private:
  void back_off() {
    const auto& o = shared_->options;
    retry_ = retry_.count() == 0 ? o.first_retry : std::min(o.max_retry, retry_ * 2);
    retry_at_ = FrameClock::now() + retry_;
  }

  /// Counts the frame, and keeps a preview copy while a screen shows it.
  void took(const Frame& frame) {
    const auto now = FrameClock::now();
    // A preview copy only when the loop is to be woken for it: at most preview_fps a second.
    bool due = false;
    if (shared_->previewing.load()) {
      std::lock_guard lock(shared_->mutex);
      const auto every = std::chrono::duration<double>(1.0 / std::max(1.0, shared_->options.preview_fps));
      due = now - shared_->last_wake >= every;
    }
    std::optional<GreyImage> small;
    if (due) small = preview_of(frame.image, shared_->options.preview_max_height);
    bool wake = false, changed = false;
    {
      std::lock_guard lock(shared_->mutex);
      auto& s = *shared_;
      s.recent.push_back(now);
      while (!s.recent.empty() && now - s.recent.front() > std::chrono::seconds(2)) s.recent.pop_front();
      s.report.frames_per_second =
          s.recent.size() < 2 ? 0
                              : (s.recent.size() - 1) /
                                    std::chrono::duration<double>(s.recent.back() - s.recent.front()).count();
      changed = s.report.state != CameraReport::State::Streaming;
      s.report.state = CameraReport::State::Streaming;
      s.report.problem.clear();
      if (small) {
        s.preview = PreviewFrame{std::move(*small), frame.sequence};
        s.last_wake = now;
        wake = true;
      }
    }
    if ((wake || changed) && shared_->wake) shared_->wake();
  }

  std::unique_ptr<FrameSource> inner_;
  std::shared_ptr<CameraFeed::Shared> shared_;
  bool started_ = false;
  std::chrono::milliseconds retry_{0};
  FrameClock::time_point retry_at_{};
};

}  // namespace

GreyImage preview_of(const GreyImage& frame, int max_height) {
  GreyImage out;
  if (frame.width <= 0 || frame.height <= 0) return out;
  const int f = std::max(1, (frame.height + std::max(1, max_height) - 1) / std::max(1, max_height));
  out.width = frame.width / f;
  out.height = frame.height / f;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
  const int area = f * f;
  for (int y = 0; y < out.height; ++y) {
    std::uint8_t* row = out.pixels.data() + static_cast<std::size_t>(y) * out.width;
    for (int x = 0; x < out.width; ++x) {
      unsigned sum = 0;
      for (int dy = 0; dy < f; ++dy) {
        const std::uint8_t* src = frame.pixels.data() + static_cast<std::size_t>(y * f + dy) * frame.width + x * f;
        for (int dx = 0; dx < f; ++dx) sum += src[dx];
      }
      row[out.width - 1 - x] = static_cast<std::uint8_t>(sum / area);  // mirrored
    }
  }
  return out;
}

CameraFeed::CameraFeed(std::unique_ptr<FrameSource> source, CameraFeedOptions options, std::function<void()> wake)
    : shared_(std::make_shared<Shared>()), source_(std::move(source)), options_(std::move(options)) {
  shared_->wake = std::move(wake);
  shared_->options = options_;
  shared_->report.description = source_->description();
}

CameraFeed::~CameraFeed() { pipeline_.reset(); }

void CameraFeed::start(OnCode on_code) {
  if (!source_) return;
  auto shared = shared_;
  pipeline_ = std::make_unique<ScanPipeline>(options_.pipeline, [shared, on_code = std::move(on_code)](const CameraScan& scan) {
    {
      std::lock_guard lock(shared->mutex);
      shared->report.last_code = scan.text;
      ++shared->report.codes;
    }
    if (on_code) on_code(scan.text);
    if (shared->wake) shared->wake();
  });
  (void)pipeline_->start(std::make_unique<FeedSource>(std::move(source_), shared_));  // never fails
}

void CameraFeed::set_scanning(bool on) { shared_->scanning.store(on); }
void CameraFeed::set_previewing(bool on) { shared_->previewing.store(on); }

std::optional<PreviewFrame> CameraFeed::take_preview() {
  std::lock_guard lock(shared_->mutex);
  std::optional<PreviewFrame> out = std::move(shared_->preview);
  shared_->preview.reset();
  return out;
}

CameraReport CameraFeed::report() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->report;
}

}  // namespace cate::app

// ScanPipeline: a capture thread and a decode thread joined by a one-frame slot (see pipeline.hpp).
#include "kiosk/scan/pipeline.hpp"

#include <algorithm>

namespace cate {

ScanPipeline::ScanPipeline(ScanPipelineOptions options, OnScan on_scan)
    : options_(std::move(options)), on_scan_(std::move(on_scan)), decoder_(options_.decode) {
  decode_ = std::thread([this] { decode_loop(); });
}

ScanPipeline::~ScanPipeline() {
  stop_capture();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  decode_.join();
}

Result<Started, CameraError> ScanPipeline::start(std::unique_ptr<FrameSource> source) {
  stop_capture();
  if (auto r = source->start(); !r) {
    std::lock_guard lock(mutex_);
    problem_ = r.error();
    source_ended_ = true;
    return r;
  }
  {
    std::lock_guard lock(mutex_);
    capture_stopping_ = false;
    source_ended_ = false;
    problem_.reset();
  }
  source_ = std::move(source);
  capture_ = std::thread([this, s = source_.get()] { capture_loop(*s); });
  return Started{};
}

void ScanPipeline::stop_capture() {
  {
    std::lock_guard lock(mutex_);
    capture_stopping_ = true;
  }
  if (capture_.joinable()) capture_.join();  // the loop checks the flag at least every capture_poll
  if (source_) source_->stop();
  source_.reset();
}

void ScanPipeline::capture_loop(FrameSource& source) {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (capture_stopping_) return;
    }
    auto frame = source.next(options_.capture_poll);
    if (frame) {
      {
        std::lock_guard lock(mutex_);
        problem_.reset();
      }
      submit(std::move(*frame));
      continue;
    }
    const auto kind = frame.error().kind;
    if (kind == CameraError::Kind::Timeout) continue;
    std::lock_guard lock(mutex_);
    problem_ = frame.error();
    if (kind == CameraError::Kind::EndOfFrames || kind == CameraError::Kind::NotStarted ||
        kind == CameraError::Kind::NoUsableFormat || kind == CameraError::Kind::NotACamera) {
      if (kind == CameraError::Kind::EndOfFrames) problem_.reset();  // not a problem: the sequence is over
      source_ended_ = true;
      progress_.notify_all();
      return;
    }
    // Disconnected, BadFrame, CannotOpen: the source keeps trying (with its own back-off).
  }
}

void ScanPipeline::submit(Frame frame) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.frames;
    if (slot_) ++stats_.dropped;  // never read: a newer frame replaces it
    slot_ = std::move(frame);
  }
  wake_.notify_one();
}

void ScanPipeline::decode_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || slot_; });
    if (stopping_) return;
    Frame frame = std::move(*slot_);
    slot_.reset();
    decoding_ = true;
    lock.unlock();

    std::optional<std::string> text;
    double ms = 0;
    if (options_.reader) {
      const auto start = FrameClock::now();
      text = options_.reader(frame.image);
      ms = std::chrono::duration<double, std::milli>(FrameClock::now() - start).count();
    } else {
      LiveRead r = decoder_.read(frame.image);
      text = std::move(r.text);
      ms = r.ms;
    }
    if (text) deliver(frame, std::move(*text), ms);

    lock.lock();
    decoding_ = false;
    ++stats_.decoded;
    stats_.last_read_sequence = frame.sequence;
    stats_.last_decode_ms = ms;
    progress_.notify_all();
  }
}

void ScanPipeline::deliver(const Frame& frame, std::string text, double ms) {
  CameraScan scan{std::move(text), frame.captured, frame.sequence, FrameClock::now(), ms};
  {
    std::lock_guard lock(mutex_);
    // Forget codes not seen for a whole window; a code still in the list is the same scan.
    std::erase_if(recent_, [&](const auto& r) { return frame.captured - r.second >= options_.repeat_window; });
    auto seen = std::find_if(recent_.begin(), recent_.end(), [&](const auto& r) { return r.first == scan.text; });
    if (seen != recent_.end()) {
      seen->second = std::max(seen->second, frame.captured);
      ++stats_.repeats;
      return;
    }
    recent_.emplace_back(scan.text, frame.captured);
    ++stats_.scans;
    scans_.push_back(scan);
  }
  if (on_scan_) on_scan_(scan);
}

std::vector<CameraScan> ScanPipeline::take_scans() {
  std::lock_guard lock(mutex_);
  std::vector<CameraScan> out(std::make_move_iterator(scans_.begin()), std::make_move_iterator(scans_.end()));
  scans_.clear();
  return out;
}

ScanPipelineStats ScanPipeline::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::optional<CameraError> ScanPipeline::source_problem() const {
  std::lock_guard lock(mutex_);
  return problem_;
}

bool ScanPipeline::source_ended() const {
  std::lock_guard lock(mutex_);
  return source_ended_;
}

bool ScanPipeline::wait_until_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [&] { return source_ended_ && !slot_ && !decoding_; });
}

}  // namespace cate

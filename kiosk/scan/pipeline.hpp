#pragma once
/// @brief ScanPipeline: camera frames in, ticket codes out. A capture thread pulls frames from a
/// FrameSource; a decode thread always reads the newest frame (stale ones are dropped and
/// counted); the same code seen again within a short window is one scan, not two.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/scan/live_decode.hpp"
#include "platform/camera/frame_source.hpp"

namespace cate {

/// One code read from the camera.
struct CameraScan {
  std::string text;
  FrameClock::time_point captured{};  ///< capture time of the frame it was read in
  std::uint64_t frame_sequence = 0;   ///< that frame's number from its source
  FrameClock::time_point read_at{};   ///< when the decoder had it: read_at - captured is the decode latency
  double decode_ms = 0;               ///< time spent reading that frame
};

struct ScanPipelineOptions {
  /// A code seen again less than this after it was last seen is the same scan: a ticket held
  /// in front of the camera is read once. Shown again after a longer absence, it is a new scan.
  std::chrono::milliseconds repeat_window{3000};
  LiveDecodeOptions decode;
  /// Replaces the QR reader (tests: a slow or scripted reader). Empty: LiveDecoder.
  std::function<std::optional<std::string>(const GreyImage&)> reader;
  /// How long the capture thread waits for a frame before checking whether it should stop.
  std::chrono::milliseconds capture_poll{100};
};

/// Counters, for the staff screen's camera test and the benchmarks.
struct ScanPipelineStats {
  std::uint64_t frames = 0;   ///< frames handed to the decoder
  std::uint64_t decoded = 0;  ///< frames the decoder read
  std::uint64_t dropped = 0;  ///< frames replaced by a newer one before the decoder got to them
  std::uint64_t scans = 0;    ///< codes delivered
  std::uint64_t repeats = 0;  ///< reads of a code already delivered, within the repeat window
  std::optional<std::uint64_t> last_read_sequence;  ///< the frame most recently read
  double last_decode_ms = 0;
};

/// @brief Frames in, scans out, on threads of its own. Results come through the callback (on
/// the decode thread) and through take_scans() (any thread). The destructor stops both threads.
class ScanPipeline {
 public:
  using OnScan = std::function<void(const CameraScan&)>;
  explicit ScanPipeline(ScanPipelineOptions options = {}, OnScan on_scan = {});
  ~ScanPipeline();
  ScanPipeline(const ScanPipeline&) = delete;
  ScanPipeline& operator=(const ScanPipeline&) = delete;

  /// Starts `source` and a capture thread that hands its frames to the decoder. A source that
  /// cannot start is reported here; later trouble (an unplugged camera) in source_problem().
  Result<Started, CameraError> start(std::unique_ptr<FrameSource> source);
  /// Stops the capture thread and the source (the decoder keeps reading what it has).
  void stop_capture();
  /// Hands one frame to the decoder; it replaces a frame still waiting (newest wins).
  void submit(Frame frame);

  /// The scans delivered since the last call, oldest first.
  std::vector<CameraScan> take_scans();
  ScanPipelineStats stats() const;
  /// What is wrong with the source now ("camera unplugged: waiting for it"), if anything.
  std::optional<CameraError> source_problem() const;
  /// True once the source has ended (a file sequence's last frame) or failed for good.
  bool source_ended() const;
  /// Waits until the source has ended and every waiting frame is read; false on timeout.
  bool wait_until_done(std::chrono::milliseconds timeout);

 private:
  void capture_loop(FrameSource& source);
  void decode_loop();
  void deliver(const Frame& frame, std::string text, double ms);

  ScanPipelineOptions options_;
  OnScan on_scan_;
  LiveDecoder decoder_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;      ///< the decoder: a frame is waiting, or stop
  std::condition_variable progress_;  ///< wait_until_done: the decoder finished a frame
  std::optional<Frame> slot_;         ///< the newest frame not yet read
  bool decoding_ = false;
  bool stopping_ = false;
  bool capture_stopping_ = false;
  bool source_ended_ = false;
  std::optional<CameraError> problem_;
  ScanPipelineStats stats_;
  std::deque<CameraScan> scans_;
  std::vector<std::pair<std::string, FrameClock::time_point>> recent_;  ///< code -> last seen (capture time)

  std::unique_ptr<FrameSource> source_;
  std::thread capture_;
  std::thread decode_;
};

}  // namespace cate

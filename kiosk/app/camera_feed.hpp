#pragma once
/// @brief CameraFeed: the kiosk's camera, kept off the window loop. A ScanPipeline reads codes on
/// threads of its own; the source is (re)started with back-off, so a camera that is missing,
/// busy, unplugged or not a camera at all is a state shown to staff, never a crash. It keeps a
/// small mirrored copy of the newest frame for the preview and wakes the loop for it only while a
/// screen shows the preview, at most `preview_fps` times a second.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/scan/pipeline.hpp"
#include "platform/camera/frame_source.hpp"

namespace cate::app {

struct CameraFeedOptions {
  double preview_fps = 15;        ///< preview frames wake the loop at most this often
  int preview_max_height = 360;   ///< preview frames are shrunk by whole factors to this height or less
  std::chrono::milliseconds first_retry{1000};  ///< a source that cannot start is tried again after this...
  std::chrono::milliseconds max_retry{8000};    ///< ...doubling up to this
  /// "auto": no camera on the machine means a kiosk without one (NotFound). Otherwise a camera
  /// was asked for by name, and its absence is Trouble.
  bool any_camera = false;
  ScanPipelineOptions pipeline;
};

/// What the camera is doing, for the screens (read on the window loop's thread).
struct CameraReport {
  enum class State {
    Looking,    ///< starting, or waiting for the first frame
    Streaming,  ///< frames are arriving
    NotFound,   ///< "auto" found no camera on this machine (it keeps looking every few seconds)
    Trouble,    ///< the camera asked for cannot be used now (missing, busy, unplugged); retrying
    Ended,      ///< an image folder played once has shown its last image
  } state = State::Looking;
  std::string description;   ///< what is read: "USB Camera (/dev/video0)"
  std::string problem;       ///< the source's own words, for staff (empty when all is well)
  double frames_per_second = 0;  ///< over the last two seconds
  std::string last_code;     ///< the last code read (the staff camera test shows it)
  std::uint64_t codes = 0;   ///< codes read so far (repeats of a held ticket not counted)
};

/// A shrunk, mirrored copy of a camera frame for the screen.
struct PreviewFrame {
  GreyImage image;
  std::uint64_t sequence = 0;
};

class CameraFeed {
 public:
  /// Any thread: a code was read (one per appearance of a ticket; see ScanPipeline).
  using OnCode = std::function<void(std::string code)>;
  /// `wake` makes the window loop draw soon (any thread).
  CameraFeed(std::unique_ptr<FrameSource> source, CameraFeedOptions options, std::function<void()> wake);
  ~CameraFeed();
  CameraFeed(const CameraFeed&) = delete;
  CameraFeed& operator=(const CameraFeed&) = delete;

  /// Starts the threads. Codes go to `on_code`.
  void start(OnCode on_code);
  /// Window loop: read frames for codes (a screen that takes scans, or the camera test). Off:
  /// frames are still taken from the camera (so it stays warm and current) but not read.
  void set_scanning(bool on);
  /// Window loop: a screen shows the preview; new frames wake the loop.
  void set_previewing(bool on);
  /// Window loop: the newest preview frame, once (nothing when none came since the last call).
  std::optional<PreviewFrame> take_preview();
  CameraReport report() const;

  struct Shared;  ///< what the capture thread and the window loop share (camera_feed.cpp)

 private:
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<FrameSource> source_;  ///< until start() hands it to the pipeline
  CameraFeedOptions options_;
  std::unique_ptr<ScanPipeline> pipeline_;  ///< last: its threads stop first
};

/// Shrinks `frame` by a whole factor to at most `max_height` rows (box average) and mirrors it
/// left to right, as a person expects to see themselves. Pure; used on the capture thread.
GreyImage preview_of(const GreyImage& frame, int max_height);

}  // namespace cate::app

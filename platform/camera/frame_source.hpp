#pragma once
/// @brief FrameSource: where camera frames come from (a V4L2 camera, or image files for tests and
/// the demo). Start it, ask for the next frame, stop it; every failure is a value with a message.
#include <chrono>
#include <cstdint>
#include <string>

#include "platform/image.hpp"
#include "platform/result.hpp"

namespace cate {

/// The kiosk's monotonic clock for frames: capture times and latency are measured on it.
using FrameClock = std::chrono::steady_clock;

/// One grey frame, with when it was captured and its place in the stream.
struct Frame {
  GreyImage image;
  FrameClock::time_point captured{};  ///< when the sensor (or the file sequence) produced it
  std::uint64_t sequence = 0;          ///< 0, 1, 2, ... for each frame a source hands out
};

/// Why a frame source could not give a frame, with a message a person can act on.
struct CameraError {
  enum class Kind {
    NoCamera,        ///< no video capture device on this machine
    CannotOpen,      ///< the device or file exists but cannot be opened (busy, permissions)
    NotACamera,      ///< the device is not a video capture device
    NoUsableFormat,  ///< the camera offers no picture format the kiosk can read
    Disconnected,    ///< the camera went away (unplugged); the source keeps trying to reopen it
    Timeout,         ///< no frame arrived within the time asked for; try again
    EndOfFrames,     ///< a file sequence that does not loop has shown its last frame
    BadFrame,        ///< one frame could not be read (a corrupt JPEG); the next may be fine
    BadFile,         ///< an image file could not be read
    EmptyFolder,     ///< a folder with no images in it
    NotStarted,      ///< next() before start(), or after stop()
    Io,              ///< any other failure talking to the device
  } kind;
  std::string message;  ///< e.g. "no camera found: plug in a USB camera, or use a keyboard scanner"
};

/// start() succeeded: the source is streaming.
struct Started {};

/// @brief A stream of grey frames: start(), next() until you are done, stop(). Not thread-safe:
/// one thread (the capture thread) drives a source.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Opens the device or files and starts streaming.
  virtual Result<Started, CameraError> start() = 0;
  /// Waits at most `timeout` for the next frame. Timeout, BadFrame and Disconnected are worth
  /// calling again for (a camera source reopens an unplugged camera by itself).
  virtual Result<Frame, CameraError> next(std::chrono::milliseconds timeout) = 0;
  /// Stops streaming and releases the device. start() may be called again.
  virtual void stop() = 0;
  /// What this source reads, for the staff screen and logs ("USB Camera (/dev/video0)").
  virtual std::string description() const = 0;
};

}  // namespace cate

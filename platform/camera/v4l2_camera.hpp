#pragma once
/// @brief A USB webcam (or a Raspberry Pi camera through libcamera's V4L2 layer) as a FrameSource:
/// discovery, format choice, mmap streaming, and reopening after the camera is unplugged.
///
/// The parts that need no camera — choosing a format from what a camera offers, and turning a
/// GREY, YUYV or MJPEG buffer into a GreyImage — are free functions, tested on recorded buffers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/camera/frame_source.hpp"

namespace cate {

/// A V4L2 pixel format code from its four characters ("GREY", "YUYV", "MJPG").
constexpr std::uint32_t fourcc(const char (&c)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(c[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(c[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(c[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(c[3])) << 24;
}
inline constexpr std::uint32_t kGrey = fourcc("GREY");
inline constexpr std::uint32_t kYuyv = fourcc("YUYV");
inline constexpr std::uint32_t kMjpeg = fourcc("MJPG");
inline constexpr std::uint32_t kJpeg = fourcc("JPEG");  ///< some cameras name MJPEG this way
/// "YUYV" from its code, for messages.
std::string fourcc_name(std::uint32_t code);

/// One picture format and size a camera offers.
struct CameraFormat {
  std::uint32_t pixel_format = 0;
  int width = 0;
  int height = 0;
  bool operator==(const CameraFormat&) const = default;
};

/// What the kiosk would like from a camera.
struct FormatWish {
  int width = 1280;      ///< the size to get closest to: big enough for a ticket held at arm's length
  int height = 720;
  int min_height = 480;  ///< smaller pictures only when nothing else is offered
};

/// Picks the format to ask for: sizes of at least `min_height` and no larger than the wish come
/// first; among them GREY before YUYV (its luma plane) before MJPEG (decoded); then the size
/// closest to the wish. Nothing when no offered format can be read.
std::optional<CameraFormat> choose_format(const std::vector<CameraFormat>& offered, const FormatWish& wish = {});

/// Decodes MJPEG frames to grey (libturbojpeg). Holds a decoder; reuse one per camera.
class JpegDecoder {
 public:
  JpegDecoder();
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;
  Result<GreyImage, CameraError> decode(const std::uint8_t* data, std::size_t size);

 private:
  void* handle_ = nullptr;
};

/// A captured buffer as the driver laid it out.
struct BufferLayout {
  CameraFormat format;
  int bytes_per_line = 0;  ///< row stride in bytes (may include padding); 0: no padding
};

/// Turns one captured buffer into a grey image: GREY rows as they are, YUYV's luma bytes,
/// MJPEG decoded. `used` is how many bytes the driver filled.
Result<GreyImage, CameraError> buffer_to_grey(const BufferLayout& layout, const std::uint8_t* data, std::size_t used,
                                              JpegDecoder& jpeg);

/// A video capture device found on this machine.
struct CameraInfo {
  std::string path;      ///< "/dev/video0"
  std::string name;      ///< the card name the driver gives ("HD Pro Webcam C920")
  std::string bus_info;  ///< where it is plugged in ("usb-0000:01:00.0-1.2"): the same camera after a replug
};

/// Every video capture device under `device_folder` (the video* entries), in name order.
/// Metadata nodes and output-only devices are left out.
std::vector<CameraInfo> list_cameras(const std::string& device_folder = "/dev");
/// The first camera, or NoCamera: "no camera found: plug in a USB camera, or use a keyboard scanner".
Result<CameraInfo, CameraError> find_camera(const std::string& device_folder = "/dev");

struct V4l2Options {
  std::string device;  ///< "/dev/video0"; empty: the first camera found (and found again after a replug)
  std::string device_folder = "/dev";
  FormatWish wish;
  int buffers = 4;  ///< mmap buffers the driver fills in turn
  std::chrono::milliseconds first_retry{250};  ///< back-off when reopening an unplugged camera...
  std::chrono::milliseconds max_retry{4000};   ///< ...doubling up to this
};

class V4l2Camera final : public FrameSource {
 public:
  explicit V4l2Camera(V4l2Options options = {});
  ~V4l2Camera() override;

  Result<Started, CameraError> start() override;
  Result<Frame, CameraError> next(std::chrono::milliseconds timeout) override;
  void stop() override;
  std::string description() const override;

  /// The format streaming now (after start()).
  std::optional<BufferLayout> layout() const;

 private:
  struct Device;
  Result<Started, CameraError> open_and_stream();
  void close_device();

  V4l2Options options_;
  std::unique_ptr<Device> device_;
  JpegDecoder jpeg_;
  std::string description_;
  std::string bus_info_;  ///< the camera we had, to find it again after a replug
  bool started_ = false;
  std::uint64_t sequence_ = 0;
  std::chrono::milliseconds retry_{0};
  FrameClock::time_point next_retry_{};
};

}  // namespace cate

// A V4L2 camera as a FrameSource.
//
// [SECTION] Format choice and buffer conversion (pure, tested on recorded buffers)
// [SECTION] Discovery (/dev/video*, VIDIOC_QUERYCAP)
// [SECTION] Streaming (VIDIOC_S_FMT, mmap buffers, poll, reopening after an unplug)
#include "platform/camera/v4l2_camera.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <thread>
#include <tuple>

namespace cate {

// [SECTION] Format choice and buffer conversion ---------------------------------------------

std::string fourcc_name(std::uint32_t code) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((code >> (8 * i)) & 0xff);
    s += (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

namespace {

int format_rank(std::uint32_t f) {
  if (f == kGrey) return 0;
  if (f == kYuyv) return 1;
  if (f == kMjpeg || f == kJpeg) return 2;
  return -1;  // not readable
}

CameraError frame_error(std::string message) { return {CameraError::Kind::BadFrame, std::move(message)}; }

}  // namespace

std::optional<CameraFormat> choose_format(const std::vector<CameraFormat>& offered, const FormatWish& wish) {
  const double wish_area = std::max(1.0, static_cast<double>(wish.width) * wish.height);
  auto key = [&](const CameraFormat& f) {
    const bool size_ok = f.height >= wish.min_height && f.width <= wish.width && f.height <= wish.height;
    const double distance = std::abs(std::log(std::max(1.0, static_cast<double>(f.width) * f.height) / wish_area));
    // Good sizes first; among them the best format, then the closest size. Among sizes that are
    // too big or too small only the size counts: a usable picture matters more than its format.
    return size_ok ? std::make_tuple(0, format_rank(f.pixel_format), distance)
                   : std::make_tuple(1, 0, distance * 10 + format_rank(f.pixel_format));
  };
  std::optional<CameraFormat> best;
  for (const auto& f : offered) {
    if (format_rank(f.pixel_format) < 0 || f.width <= 0 || f.height <= 0) continue;
    if (!best || key(f) < key(*best)) best = f;
  }
  return best;
}

JpegDecoder::JpegDecoder() : handle_(tjInitDecompress()) {}
JpegDecoder::~JpegDecoder() {
  if (handle_) tjDestroy(static_cast<tjhandle>(handle_));
}

Result<GreyImage, CameraError> JpegDecoder::decode(const std::uint8_t* data, std::size_t size) {
  if (!handle_) return Err(frame_error("cannot start the JPEG decoder (libturbojpeg)"));
  if (size < 4 || size > static_cast<std::size_t>(1) << 30) return Err(frame_error("the camera sent an empty MJPEG frame"));
  auto* h = static_cast<tjhandle>(handle_);
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(h, data, static_cast<unsigned long>(size), &width, &height, &subsampling, &colorspace) != 0)
    return Err(frame_error(std::string("the camera sent a damaged MJPEG frame: ") + tjGetErrorStr2(h)));
  if (width <= 0 || height <= 0 || static_cast<long long>(width) * height > kMaxImagePixels)
    return Err(frame_error("the camera sent an MJPEG frame of an impossible size"));
  GreyImage out{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height)};
  // Straight to grey: libjpeg-turbo then skips the colour planes. Motion-JPEG frames without
  // Huffman tables get the standard ones.
  if (tjDecompress2(h, data, static_cast<unsigned long>(size), out.pixels.data(), width, 0, height, TJPF_GRAY,
                    TJFLAG_FASTDCT) != 0 &&
      tjGetErrorCode(h) != TJERR_WARNING)
    return Err(frame_error(std::string("the camera sent a damaged MJPEG frame: ") + tjGetErrorStr2(h)));
  return out;
}

Result<GreyImage, CameraError> buffer_to_grey(const BufferLayout& layout, const std::uint8_t* data, std::size_t used,
                                              JpegDecoder& jpeg) {
  const auto& f = layout.format;
  if (f.pixel_format == kMjpeg || f.pixel_format == kJpeg) return jpeg.decode(data, used);
  if (f.width <= 0 || f.height <= 0 || static_cast<long long>(f.width) * f.height > kMaxImagePixels)
    return Err(frame_error("the camera reported an impossible picture size"));
  const int bytes_per_pixel = f.pixel_format == kGrey ? 1 : f.pixel_format == kYuyv ? 2 : 0;
  if (bytes_per_pixel == 0)
    return Err(CameraError{CameraError::Kind::NoUsableFormat,
                           "the camera sends " + fourcc_name(f.pixel_format) + " pictures, which the kiosk cannot read"});
  const std::size_t row = static_cast<std::size_t>(f.width) * bytes_per_pixel;
  const std::size_t stride = layout.bytes_per_line > 0 ? static_cast<std::size_t>(layout.bytes_per_line) : row;
  if (stride < row) return Err(frame_error("the camera reported rows shorter than its picture width"));
  const std::size_t needed = stride * (static_cast<std::size_t>(f.height) - 1) + row;
  if (data == nullptr || used < needed)
    return Err(frame_error("the camera sent a short frame (" + std::to_string(used) + " of " + std::to_string(needed) +
                           " bytes)"));
  GreyImage out{f.width, f.height, std::vector<std::uint8_t>(static_cast<std::size_t>(f.width) * f.height)};
  for (int y = 0; y < f.height; ++y) {
    const std::uint8_t* src = data + stride * static_cast<std::size_t>(y);
    std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * f.width;
    if (bytes_per_pixel == 1) {
      std::memcpy(dst, src, static_cast<std::size_t>(f.width));
    } else {
      for (int x = 0; x < f.width; ++x) dst[x] = src[2 * x];  // Y0 U Y1 V: every other byte is luma
    }
  }
  return out;
}

// [SECTION] Discovery ----------------------------------------------------------------------

namespace {

int xioctl(int fd, unsigned long request, void* arg) {
  int r;
  do r = ioctl(fd, request, arg);
  while (r == -1 && errno == EINTR);
  return r;
}

std::string text_of(const __u8* s, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(s), strnlen(reinterpret_cast<const char*>(s), n));
}

struct Capabilities {
  std::uint32_t caps = 0;
  CameraInfo info;
};

std::optional<Capabilities> query(int fd, const std::string& path) {
  v4l2_capability cap{};
  if (xioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) return std::nullopt;
  Capabilities c;
  c.caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  c.info = {path, text_of(cap.card, sizeof cap.card), text_of(cap.bus_info, sizeof cap.bus_info)};
  return c;
}

bool can_capture(std::uint32_t caps) { return (caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_STREAMING); }

const char* kNoCamera = "no camera found: plug in a USB camera, or use a keyboard scanner";

}  // namespace

std::vector<CameraInfo> list_cameras(const std::string& device_folder) {
  namespace fs = std::filesystem;
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(device_folder, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("video", 0) == 0) paths.push_back(e.path().string());
  }
  // video2 before video10.
  std::sort(paths.begin(), paths.end(),
            [](const std::string& a, const std::string& b) { return std::make_pair(a.size(), a) < std::make_pair(b.size(), b); });
  std::vector<CameraInfo> cameras;
  for (const auto& p : paths) {
    const int fd = ::open(p.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    if (auto c = query(fd, p); c && can_capture(c->caps)) cameras.push_back(c->info);
    ::close(fd);
  }
  return cameras;
}

Result<CameraInfo, CameraError> find_camera(const std::string& device_folder) {
  auto cameras = list_cameras(device_folder);
  if (cameras.empty()) return Err(CameraError{CameraError::Kind::NoCamera, kNoCamera});
  return cameras.front();
}

// [SECTION] Streaming ----------------------------------------------------------------------

struct V4l2Camera::Device {
  int fd = -1;
  BufferLayout layout;
  struct Mapped {
    void* start = MAP_FAILED;
    std::size_t length = 0;
  };
  std::vector<Mapped> buffers;
  bool streaming = false;
};

V4l2Camera::V4l2Camera(V4l2Options options) : options_(std::move(options)) {
  description_ = options_.device.empty() ? "camera" : "camera (" + options_.device + ")";
}

V4l2Camera::~V4l2Camera() { stop(); }

std::string V4l2Camera::description() const { return description_; }

std::optional<BufferLayout> V4l2Camera::layout() const {
  if (!device_) return std::nullopt;
  return device_->layout;
}

void V4l2Camera::close_device() {
  if (!device_) return;
  if (device_->streaming) {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    xioctl(device_->fd, VIDIOC_STREAMOFF, &type);
  }
  for (auto& b : device_->buffers)
    if (b.start != MAP_FAILED) munmap(b.start, b.length);
  if (device_->fd >= 0) ::close(device_->fd);
  device_.reset();
}

namespace {

std::string open_failure(const std::string& path, int error) {
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return path + ": no camera there (is it plugged in?)";
    case EACCES:
    case EPERM:
      return path + ": permission denied (the kiosk's user must be in the \"video\" group)";
    case EBUSY:
      return path + ": the camera is in use by another program";
    default:
      return path + ": cannot open the camera (" + std::strerror(error) + ")";
  }
}

std::vector<CameraFormat> offered_formats(int fd, const FormatWish& wish) {
  std::vector<CameraFormat> out;
  for (std::uint32_t i = 0;; ++i) {
    v4l2_fmtdesc desc{};
    desc.index = i;
    desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_ENUM_FMT, &desc) != 0) break;
    for (std::uint32_t j = 0;; ++j) {
      v4l2_frmsizeenum size{};
      size.index = j;
      size.pixel_format = desc.pixelformat;
      if (xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) != 0) {
        if (j == 0) out.push_back({desc.pixelformat, wish.width, wish.height});  // sizes not listed: ask for ours
        break;
      }
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        out.push_back({desc.pixelformat, static_cast<int>(size.discrete.width), static_cast<int>(size.discrete.height)});
      } else {  // a range: our wish clamped into it
        const auto& s = size.stepwise;
        out.push_back({desc.pixelformat, std::clamp(wish.width, static_cast<int>(s.min_width), static_cast<int>(s.max_width)),
                       std::clamp(wish.height, static_cast<int>(s.min_height), static_cast<int>(s.max_height))});
        break;
      }
    }
  }
  return out;
}

}  // namespace

Result<Started, CameraError> V4l2Camera::open_and_stream() {
  close_device();
  std::string path = options_.device;
  if (path.empty()) {
    auto cameras = list_cameras(options_.device_folder);
    if (cameras.empty()) return Err(CameraError{CameraError::Kind::NoCamera, kNoCamera});
    // After a replug the same camera may come back under another number: find it by where it is plugged in.
    auto same = std::find_if(cameras.begin(), cameras.end(), [&](const CameraInfo& c) { return c.bus_info == bus_info_; });
    path = (same != cameras.end() ? *same : cameras.front()).path;
  }
  auto dev = std::make_unique<Device>();
  dev->fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (dev->fd < 0) {
    const int error = errno;
    const bool absent = error == ENOENT || error == ENODEV || error == ENXIO;
    return Err(CameraError{absent ? CameraError::Kind::NoCamera : CameraError::Kind::CannotOpen, open_failure(path, error)});
  }
  device_ = std::move(dev);
  const int fd = device_->fd;
  auto fail = [&](CameraError::Kind kind, std::string message) -> Result<Started, CameraError> {
    close_device();
    return Err(CameraError{kind, std::move(message)});
  };

  const auto caps = query(fd, path);
  if (!caps || !can_capture(caps->caps))
    return fail(CameraError::Kind::NotACamera, path + ": not a video camera (no picture capture on this device)");
  bus_info_ = caps->info.bus_info;
  description_ = caps->info.name + " (" + path + ")";

  const auto offered = offered_formats(fd, options_.wish);
  const auto chosen = choose_format(offered, options_.wish);
  if (!chosen) {
    std::string names;
    for (const auto& f : offered)
      if (names.find(fourcc_name(f.pixel_format)) == std::string::npos) names += " " + fourcc_name(f.pixel_format);
    return fail(CameraError::Kind::NoUsableFormat,
                description_ + ": offers only" + (names.empty() ? " nothing" : names) +
                    "; the kiosk reads GREY, YUYV or MJPEG: try another camera");
  }
  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = static_cast<__u32>(chosen->width);
  fmt.fmt.pix.height = static_cast<__u32>(chosen->height);
  fmt.fmt.pix.pixelformat = chosen->pixel_format;
  fmt.fmt.pix.field = V4L2_FIELD_NONE;
  if (xioctl(fd, VIDIOC_S_FMT, &fmt) != 0)
    return fail(CameraError::Kind::Io, description_ + ": refused the picture format " + fourcc_name(chosen->pixel_format) +
                                           " (" + std::strerror(errno) + ")");
  // The driver may adjust what was asked for: keep what it says.
  device_->layout = {{fmt.fmt.pix.pixelformat, static_cast<int>(fmt.fmt.pix.width), static_cast<int>(fmt.fmt.pix.height)},
                     static_cast<int>(fmt.fmt.pix.bytesperline)};
  if (format_rank(fmt.fmt.pix.pixelformat) < 0)
    return fail(CameraError::Kind::NoUsableFormat,
                description_ + ": switched to " + fourcc_name(fmt.fmt.pix.pixelformat) + ", which the kiosk cannot read");

  v4l2_streamparm parm{};  // 30 frames a second if the camera can; not every camera lets us choose
  parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  parm.parm.capture.timeperframe = {1, 30};
  xioctl(fd, VIDIOC_S_PARM, &parm);

  v4l2_requestbuffers req{};
  req.count = static_cast<__u32>(std::max(2, options_.buffers));
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  if (xioctl(fd, VIDIOC_REQBUFS, &req) != 0 || req.count < 2)
    return fail(CameraError::Kind::Io, description_ + ": cannot share picture buffers with the camera driver");
  for (__u32 i = 0; i < req.count; ++i) {
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = i;
    if (xioctl(fd, VIDIOC_QUERYBUF, &buf) != 0)
      return fail(CameraError::Kind::Io, description_ + ": cannot set up picture buffers");
    Device::Mapped m;
    m.length = buf.length;
    m.start = mmap(nullptr, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buf.m.offset);
    device_->buffers.push_back(m);
    if (m.start == MAP_FAILED) return fail(CameraError::Kind::Io, description_ + ": cannot map picture buffers");
    if (xioctl(fd, VIDIOC_QBUF, &buf) != 0)
      return fail(CameraError::Kind::Io, description_ + ": cannot queue picture buffers");
  }
  v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (xioctl(fd, VIDIOC_STREAMON, &type) != 0)
    return fail(CameraError::Kind::Io, description_ + ": cannot start streaming (" + std::strerror(errno) + ")");
  device_->streaming = true;
  return Started{};
}

Result<Started, CameraError> V4l2Camera::start() {
  auto r = open_and_stream();
  if (!r) return r;
  started_ = true;
  retry_ = std::chrono::milliseconds{0};
  return Started{};
}

void V4l2Camera::stop() {
  close_device();
  started_ = false;
}

Result<Frame, CameraError> V4l2Camera::next(std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  if (!started_) return Err(CameraError{CameraError::Kind::NotStarted, description_ + ": not started"});
  const auto deadline = FrameClock::now() + timeout;
  auto unplugged = [&]() -> Result<Frame, CameraError> {
    close_device();
    retry_ = options_.first_retry;
    next_retry_ = FrameClock::now() + retry_;
    return Err(CameraError{CameraError::Kind::Disconnected,
                           description_ + " stopped answering (unplugged?): waiting for it to come back"});
  };

  if (!device_) {  // unplugged earlier: reopen with back-off
    if (FrameClock::now() < next_retry_) {
      std::this_thread::sleep_until(std::min(deadline, next_retry_));
      return Err(CameraError{CameraError::Kind::Disconnected,
                             description_ + " is not there: plug it in again (the kiosk keeps looking)"});
    }
    if (auto r = open_and_stream(); !r) {
      retry_ = std::min(options_.max_retry, retry_ * 2 + options_.first_retry);
      next_retry_ = FrameClock::now() + retry_;
      return Err(CameraError{CameraError::Kind::Disconnected, r.error().message + " (trying again)"});
    }
    retry_ = milliseconds{0};
  }

  pollfd p{device_->fd, POLLIN, 0};
  const auto wait = duration_cast<milliseconds>(std::max(deadline - FrameClock::now(), FrameClock::duration::zero()));
  const int ready = poll(&p, 1, static_cast<int>(wait.count()));
  if (ready == 0 || (ready < 0 && errno == EINTR))
    return Err(CameraError{CameraError::Kind::Timeout, description_ + ": no picture within " +
                                                           std::to_string(timeout.count()) + " ms"});
  if (ready < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return unplugged();

  // Take the newest filled buffer; older ones go straight back to the driver.
  v4l2_buffer buf{};
  bool have = false;
  for (;;) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    if (xioctl(device_->fd, VIDIOC_DQBUF, &b) != 0) {
      if (errno == EAGAIN) break;
      if (have) xioctl(device_->fd, VIDIOC_QBUF, &buf);
      return unplugged();
    }
    if (have) xioctl(device_->fd, VIDIOC_QBUF, &buf);
    buf = b;
    have = true;
  }
  if (!have) return Err(CameraError{CameraError::Kind::Timeout, description_ + ": no picture ready"});

  Result<GreyImage, CameraError> grey = Err(frame_error(description_ + ": the camera marked this frame as damaged"));
  if (!(buf.flags & V4L2_BUF_FLAG_ERROR) && buf.index < device_->buffers.size())
    grey = buffer_to_grey(device_->layout, static_cast<const std::uint8_t*>(device_->buffers[buf.index].start),
                          std::min<std::size_t>(buf.bytesused, device_->buffers[buf.index].length), jpeg_);
  // The driver's capture time is on the monotonic clock, which is steady_clock's on Linux.
  auto captured = FrameClock::now();
  if ((buf.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
    const FrameClock::time_point t{seconds{buf.timestamp.tv_sec} + microseconds{buf.timestamp.tv_usec}};
    if (t <= captured && captured - t < seconds{2}) captured = t;
  }
  if (xioctl(device_->fd, VIDIOC_QBUF, &buf) != 0 && errno == ENODEV) return unplugged();
  if (!grey) return Err(grey.error());
  return Frame{std::move(*grey), captured, sequence_++};
}

}  // namespace cate

// The device options (--camera, --camera-folder, --serial, ...) and making the devices.
#include "kiosk/app/devices.hpp"

#include <cstdio>
#include <cstdlib>

#include "platform/camera/file_source.hpp"
#include "platform/camera/v4l2_camera.hpp"

namespace cate::app {

bool parse_device_option(const std::vector<std::string>& args, std::size_t& i, DeviceOptions& out, std::string& why) {
  const std::string& a = args[i];
  auto value = [&](const char* what) -> const std::string* {
    if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
      why = a + " needs " + what;
      return nullptr;
    }
    return &args[++i];
  };
  if (a == "--camera") {
    if (auto v = value("auto, none or a device such as /dev/video0")) out.camera = *v;
  } else if (a == "--camera-folder") {
    if (auto v = value("a folder of images")) out.camera_folder = *v;
  } else if (a == "--camera-fps") {
    if (auto v = value("a number of frames a second")) {
      char* end = nullptr;
      const double fps = std::strtod(v->c_str(), &end);
      if (*end != '\0' || !(fps > 0) || fps > 120) why = "--camera-fps needs a number of frames a second (0 to 120)";
      else out.camera_fps = fps;
    }
  } else if (a == "--preview-fps") {
    if (auto v = value("a number of frames a second")) {
      char* end = nullptr;
      const double fps = std::strtod(v->c_str(), &end);
      if (*end != '\0' || !(fps >= 1) || fps > 60) why = "--preview-fps needs a number of frames a second (1 to 60)";
      else out.preview_fps = fps;
    }
  } else if (a == "--camera-once") {
    out.camera_once = true;
  } else if (a == "--serial") {
    if (auto v = value("auto or a device such as /dev/ttyACM0")) out.serial = *v;
  } else if (a == "--no-sound") {
    out.sound = false;
  } else {
    return false;
  }
  return true;
}

AppDevices make_devices(const DeviceOptions& options, std::function<void()> wake) {
  AppDevices d;
  std::unique_ptr<FrameSource> source;
  if (!options.camera_folder.empty()) {
    FileSourceOptions f;
    f.frames_per_second = options.camera_fps;
    f.loop = !options.camera_once;
    f.durations = options.camera_durations;
    auto files = FileSource::open(options.camera_folder, f);
    if (files) {
      source = std::move(*files);
    } else {
      // A folder that cannot be played is a camera in trouble, shown like one (and tried again).
      std::fprintf(stderr, "cate-kiosk: %s\n", files.error().message.c_str());
      struct Unplayable final : FrameSource {
        CameraError error;
        explicit Unplayable(CameraError e) : error(std::move(e)) {}
        Result<Started, CameraError> start() override { return Err(error); }
        Result<Frame, CameraError> next(std::chrono::milliseconds) override { return Err(error); }
        void stop() override {}
        std::string description() const override { return "image folder"; }
      };
      auto e = files.error();
      if (e.kind == CameraError::Kind::NoCamera) e.kind = CameraError::Kind::CannotOpen;
      source = std::make_unique<Unplayable>(std::move(e));
    }
  } else if (options.camera != "none") {
    V4l2Options v;
    if (options.camera != "auto") v.device = options.camera;
    source = std::make_unique<V4l2Camera>(v);
  }
  CameraFeedOptions feed;
  feed.preview_fps = options.preview_fps;
  feed.any_camera = options.camera_folder.empty() && options.camera == "auto";
  if (source) d.camera = std::make_unique<CameraFeed>(std::move(source), feed, wake);
  if (!options.serial.empty()) {
    SerialOptions s;
    if (options.serial != "auto") s.device = options.serial;
    d.serial = std::make_unique<SerialFeed>(s, wake);
  }
  if (options.sound) {
    std::string why;
    d.chime = audio::Chime::open(why);
    if (!d.chime) std::fprintf(stderr, "cate-kiosk: %s: check-ins are silent\n", why.c_str());
  }
  return d;
}

}  // namespace cate::app

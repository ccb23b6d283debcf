// cate-kiosk camera: the staff's camera test without a window. Opens a V4L2 camera through
// the kiosk's own frame source (format choice, mmap streaming, MJPEG), reads some frames,
// tries to read a QR code in them, and prints one JSON line. Touches no store.
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/cli/commands.hpp"
#include "kiosk/scan/decode.hpp"
#include "platform/camera/v4l2_camera.hpp"

namespace cate::cli {

int cmd_camera(const Options&, const std::vector<std::string>& args) {
  V4l2Options options;
  int frames = 30;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--frames" && i + 1 < args.size()) {
      frames = std::atoi(args[++i].c_str());
      if (frames < 1 || frames > 10000) return fail("--frames needs a number from 1 to 10000"), 2;
    } else if (args[i].rfind("--", 0) == 0 || !options.device.empty()) {
      return fail("usage: cate-kiosk camera [DEVICE] [--frames N]"), 2;
    } else {
      options.device = args[i];
    }
  }
  V4l2Camera camera(options);
  nlohmann::json j = {{"device", options.device.empty() ? "first camera" : options.device}};
  if (auto started = camera.start(); !started) {
    j["error"] = started.error().message;
    print_line(j);
    return 1;
  }
  j["camera"] = camera.description();
  if (auto layout = camera.layout()) {
    j["format"] = fourcc_name(layout->format.pixel_format);
    j["width"] = layout->format.width;
    j["height"] = layout->format.height;
  }
  int got = 0, misses = 0;
  std::optional<std::string> code;
  double decode_ms = 0;
  const auto start = std::chrono::steady_clock::now();
  while (got < frames && misses < 10) {
    auto frame = camera.next(std::chrono::milliseconds(3000));
    if (!frame) {
      ++misses;  // a timeout or a bad frame: worth another try, a few times
      j["last_error"] = frame.error().message;
      continue;
    }
    ++got;
    if (!code) {
      auto d = decode_qr(frame->image, DecodeEffort::Fast);
      decode_ms += d.ms;
      if (d.text) code = *d.text;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  camera.stop();
  j["frames"] = got;
  j["fps"] = seconds > 0 ? got / seconds : 0.0;
  j["decoded"] = code ? nlohmann::json(*code) : nlohmann::json();
  j["decode_ms"] = decode_ms;
  print_line(j);
  return got == frames ? 0 : 1;
}

}  // namespace cate::cli

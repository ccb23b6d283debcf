// The camera's pure parts on recorded format lists and buffers, and the errors with no camera.
#include <doctest/doctest.h>
#include <turbojpeg.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kiosk_fixture.hpp"
#include "platform/camera/v4l2_camera.hpp"

using namespace cate;
using namespace std::chrono_literals;

namespace {

std::vector<CameraFormat> sizes(std::uint32_t format, std::initializer_list<std::pair<int, int>> list) {
  std::vector<CameraFormat> out;
  for (auto [w, h] : list) out.push_back({format, w, h});
  return out;
}
std::vector<CameraFormat> operator+(std::vector<CameraFormat> a, const std::vector<CameraFormat>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// A grey test card: a gradient with a few hard edges.
GreyImage card(int w, int h) {
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      im.pixels[static_cast<std::size_t>(y) * w + x] =
          static_cast<std::uint8_t>(((x / 8 + y / 8) % 2) ? 40 + x * 150 / w : 200 - y * 100 / h);
  return im;
}

std::vector<unsigned char> compress(const GreyImage& im, bool colour) {
  tjhandle h = tjInitCompress();
  REQUIRE(h != nullptr);
  std::vector<unsigned char> src;
  if (colour)
    for (auto p : im.pixels) src.insert(src.end(), {p, p, p});
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int r = colour ? tjCompress2(h, src.data(), im.width, 0, im.height, TJPF_RGB, &jpeg, &size, TJSAMP_422, 95, 0)
                       : tjCompress2(h, im.pixels.data(), im.width, 0, im.height, TJPF_GRAY, &jpeg, &size, TJSAMP_GRAY, 95, 0);
  REQUIRE(r == 0);
  std::vector<unsigned char> out(jpeg, jpeg + size);
  tjFree(jpeg);
  tjDestroy(h);
  return out;
}

int max_difference(const GreyImage& a, const GreyImage& b) {
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

}  // namespace

TEST_CASE("camera formats: a typical USB webcam (YUYV and MJPEG) gets YUYV at 1280x720") {
  const auto offered = sizes(kYuyv, {{640, 480}, {1280, 720}, {1920, 1080}, {160, 120}}) +
                       sizes(kMjpeg, {{640, 480}, {1280, 720}, {1920, 1080}});
  CHECK(choose_format(offered) == CameraFormat{kYuyv, 1280, 720});
}

TEST_CASE("camera formats: GREY comes before YUYV, YUYV before MJPEG, among good sizes") {
  const auto offered = sizes(kMjpeg, {{1280, 720}}) + sizes(kYuyv, {{1280, 720}}) + sizes(kGrey, {{640, 480}});
  CHECK(choose_format(offered) == CameraFormat{kGrey, 640, 480});
  CHECK(choose_format(sizes(kMjpeg, {{1280, 720}}) + sizes(kYuyv, {{800, 600}})) == CameraFormat{kYuyv, 800, 600});
}

TEST_CASE("camera formats: a camera that offers only MJPEG gets MJPEG; JPEG is the same thing") {
  CHECK(choose_format(sizes(kMjpeg, {{640, 480}, {1280, 720}, {2592, 1944}})) == CameraFormat{kMjpeg, 1280, 720});
  CHECK(choose_format(sizes(kJpeg, {{640, 480}})) == CameraFormat{kJpeg, 640, 480});
}

TEST_CASE("camera formats: with no size in the good range, the closest size wins") {
  const auto offered = sizes(kYuyv, {{320, 240}}) + sizes(kMjpeg, {{1920, 1080}, {3840, 2160}});
  CHECK(choose_format(offered) == CameraFormat{kMjpeg, 1920, 1080});
  CHECK(choose_format(sizes(kYuyv, {{320, 240}, {176, 144}})) == CameraFormat{kYuyv, 320, 240});
}

TEST_CASE("camera formats: nothing readable (H.264 only, or nothing at all) is no format") {
  CHECK_FALSE(choose_format(sizes(fourcc("H264"), {{1280, 720}})));
  CHECK_FALSE(choose_format({}));
  CHECK(fourcc_name(fourcc("H264")) == "H264");
}

TEST_CASE("camera buffers: GREY rows with padding at their ends") {
  const int w = 5, h = 3, stride = 8;
  std::vector<std::uint8_t> buffer(stride * h, 0xEE);  // 0xEE: padding that must not show
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) buffer[y * stride + x] = static_cast<std::uint8_t>(10 * y + x);
  JpegDecoder jpeg;
  auto grey = buffer_to_grey({{kGrey, w, h}, stride}, buffer.data(), buffer.size(), jpeg);
  REQUIRE(grey.ok());
  CHECK(grey->width == w);
  CHECK(grey->height == h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) CHECK(grey->at(x, y) == 10 * y + x);
}

TEST_CASE("camera buffers: YUYV gives its luma bytes, with or without padding") {
  const int w = 4, h = 2;
  for (int stride : {0, 12}) {
    const int row = stride ? stride : 2 * w;
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(row) * h, 0xEE);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        buffer[y * row + 2 * x] = static_cast<std::uint8_t>(100 + 10 * y + x);  // Y
        buffer[y * row + 2 * x + 1] = x % 2 ? 240 : 16;                           // U or V: chroma, ignored
      }
    JpegDecoder jpeg;
    auto grey = buffer_to_grey({{kYuyv, w, h}, stride}, buffer.data(), buffer.size(), jpeg);
    REQUIRE(grey.ok());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) CHECK(grey->at(x, y) == 100 + 10 * y + x);
  }
}

TEST_CASE("camera buffers: a short buffer is a bad frame, not a crash") {
  std::vector<std::uint8_t> buffer(100);
  JpegDecoder jpeg;
  auto grey = buffer_to_grey({{kYuyv, 640, 480}, 1280}, buffer.data(), buffer.size(), jpeg);
  REQUIRE_FALSE(grey.ok());
  CHECK(grey.error().kind == CameraError::Kind::BadFrame);
  CHECK(grey.error().message.find("short frame") != std::string::npos);
  auto odd = buffer_to_grey({{fourcc("NV12"), 4, 4}, 0}, buffer.data(), buffer.size(), jpeg);
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().kind == CameraError::Kind::NoUsableFormat);
}

TEST_CASE("camera buffers: MJPEG frames (grey and colour) decode to the grey picture") {
  const GreyImage original = card(96, 64);
  JpegDecoder jpeg;
  for (bool colour : {false, true}) {
    CAPTURE(colour);
    const auto bytes = compress(original, colour);
    auto grey = buffer_to_grey({{kMjpeg, 96, 64}, 0}, bytes.data(), bytes.size(), jpeg);
    REQUIRE(grey.ok());
    CHECK(grey->width == 96);
    CHECK(grey->height == 64);
    CHECK(max_difference(*grey, original) <= 24);  // JPEG is lossy at hard edges
  }
}

TEST_CASE("camera buffers: a damaged MJPEG frame is a bad frame") {
  const auto bytes = compress(card(64, 64), false);
  JpegDecoder jpeg;
  const std::vector<std::uint8_t> garbage(200, 0x5A);
  auto bad = buffer_to_grey({{kMjpeg, 64, 64}, 0}, garbage.data(), garbage.size(), jpeg);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == CameraError::Kind::BadFrame);
  auto cut = buffer_to_grey({{kMjpeg, 64, 64}, 0}, bytes.data(), 20, jpeg);
  CHECK_FALSE(cut.ok());
  // A frame cut short further in still gives a picture (libjpeg-turbo warns and fills the rest).
  auto partial = buffer_to_grey({{kMjpeg, 64, 64}, 0}, bytes.data(), bytes.size() * 3 / 4, jpeg);
  if (partial.ok()) CHECK(partial->width == 64);
}

TEST_CASE("camera: with no camera on the machine, discovery says so plainly") {
  test::TempDir dev("dev");
  std::ofstream(dev.path + "/video0") << "a plain file, not a device";
  CHECK(list_cameras(dev.path).empty());
  auto found = find_camera(dev.path);
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().kind == CameraError::Kind::NoCamera);
  CHECK(found.error().message == "no camera found: plug in a USB camera, or use a keyboard scanner");

  V4l2Options options;
  options.device_folder = dev.path;
  V4l2Camera camera(options);
  auto started = camera.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().message == "no camera found: plug in a USB camera, or use a keyboard scanner");
  CHECK(camera.next(10ms).error().kind == CameraError::Kind::NotStarted);

  bool any_video = false;
  for (const auto& e : std::filesystem::directory_iterator("/dev"))
    any_video |= e.path().filename().string().rfind("video", 0) == 0;
  if (!any_video) CHECK(find_camera().error().kind == CameraError::Kind::NoCamera);
}

TEST_CASE("camera: a device that does not exist, or is not a camera, is a clear error") {
  V4l2Options options;
  options.device = "/dev/video-not-here";
  V4l2Camera missing(options);
  auto r = missing.start();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == CameraError::Kind::NoCamera);
  CHECK(r.error().message == "/dev/video-not-here: no camera there (is it plugged in?)");

  options.device = "/dev/null";
  V4l2Camera not_camera(options);
  auto n = not_camera.start();
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().kind == CameraError::Kind::NotACamera);
  CHECK(n.error().message.find("not a video camera") != std::string::npos);
}

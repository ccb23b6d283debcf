// The app's camera feed without a window: image sources through CameraFeed (retry, pause,
// preview, wakes), the preview shrink, the chime's samples, and a QR code the app draws read
// back by ZXing.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/app/camera_feed.hpp"
#include "kiosk/app/camera_panel.hpp"
#include "kiosk/scan/decode.hpp"
#include "platform/audio/chime.hpp"
#include "platform/camera/file_source.hpp"
#include "platform/camera/v4l2_camera.hpp"
#include "sync/admin/qr_image.hpp"

using namespace cate;
using namespace cate::app;
using namespace std::chrono_literals;

namespace {

GreyImage wall(int w = 320, int h = 240) {
  return GreyImage{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h, 140)};
}

/// A wall with a QR code of `text` in the middle.
GreyImage held_up(const std::string& text) {
  GreyImage im = wall();
  const GreyImage code = qr_to_image(*encode_qr(text), 3);
  const int x0 = (im.width - code.width) / 2, y0 = (im.height - code.height) / 2;
  for (int y = 0; y < code.height; ++y)
    for (int x = 0; x < code.width; ++x) im.pixels[static_cast<std::size_t>(y0 + y) * im.width + x0 + x] = code.at(x, y);
  return im;
}

/// `n` frames of `image`, named in order after `first`.
void add(std::vector<std::pair<std::string, GreyImage>>& seq, const GreyImage& image, int n) {
  for (int i = 0; i < n; ++i) seq.emplace_back(std::to_string(seq.size()), image);
}

struct Collected {
  std::mutex mutex;
  std::vector<std::string> codes;
  std::atomic<int> wakes{0};
  std::vector<std::string> take() {
    std::lock_guard lock(mutex);
    return codes;
  }
};

template <class F>
bool eventually(F&& ok, std::chrono::milliseconds within = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return ok();
}

/// Fails to start `failures` times (a camera not plugged in yet), then plays `inner`.
class LateSource final : public FrameSource {
 public:
  LateSource(std::unique_ptr<FrameSource> inner, int failures, CameraError::Kind kind)
      : inner_(std::move(inner)), failures_(failures), kind_(kind) {}
  Result<Started, CameraError> start() override {
    ++starts;
    if (failures_-- > 0) return Err(CameraError{kind_, "/dev/video0: no camera there (is it plugged in?)"});
    return inner_->start();
  }
  Result<Frame, CameraError> next(std::chrono::milliseconds t) override { return inner_->next(t); }
  void stop() override { inner_->stop(); }
  std::string description() const override { return "late camera"; }
  std::atomic<int> starts{0};

 private:
  std::unique_ptr<FrameSource> inner_;
  int failures_;
  CameraError::Kind kind_;
};

}  // namespace

TEST_CASE("a ticket held up for several frames is one code; shown again after a pause, another") {
  std::vector<std::pair<std::string, GreyImage>> seq;
  add(seq, wall(), 3);
  add(seq, held_up("CATE-TEST-ONE"), 6);
  add(seq, wall(), 3);
  FileSourceOptions o;
  o.frames_per_second = 50;
  CameraFeedOptions feed;
  feed.pipeline.repeat_window = 3000ms;
  Collected got;
  CameraFeed cam(FileSource::of_images(seq, o), feed, [&] { ++got.wakes; });
  cam.set_scanning(true);
  cam.start([&](std::string code) {
    std::lock_guard lock(got.mutex);
    got.codes.push_back(std::move(code));
  });
  REQUIRE(eventually([&] { return cam.report().state == CameraReport::State::Ended; }));
  std::this_thread::sleep_for(100ms);  // the last frames are read
  CHECK(got.take() == std::vector<std::string>{"CATE-TEST-ONE"});
  CHECK(cam.report().codes == 1);
  CHECK(cam.report().last_code == "CATE-TEST-ONE");
}

TEST_CASE("not scanning: frames are taken from the camera but no code is read") {
  std::vector<std::pair<std::string, GreyImage>> seq;
  add(seq, held_up("CATE-NOT-NOW"), 20);
  FileSourceOptions o;
  o.frames_per_second = 100;
  Collected got;
  CameraFeed cam(FileSource::of_images(seq, o), {}, [&] { ++got.wakes; });
  cam.set_scanning(false);
  cam.set_previewing(false);
  cam.start([&](std::string code) {
    std::lock_guard lock(got.mutex);
    got.codes.push_back(std::move(code));
  });
  REQUIRE(eventually([&] { return cam.report().state == CameraReport::State::Ended; }));
  CHECK(got.take().empty());
  // No screen shows the preview: the window loop is woken only when the state changed
  // (looking, streaming, ended), not once a frame.
  CHECK(got.wakes.load() <= 3);
  CHECK_FALSE(cam.take_preview().has_value());
}

TEST_CASE("previewing: a shrunk, mirrored copy of the newest frame, and wakes at most preview_fps a second") {
  std::vector<std::pair<std::string, GreyImage>> seq;
  GreyImage ramp{640, 480, std::vector<std::uint8_t>(640 * 480)};
  for (int y = 0; y < 480; ++y)
    for (int x = 0; x < 640; ++x) ramp.pixels[static_cast<std::size_t>(y) * 640 + x] = static_cast<std::uint8_t>(x * 255 / 639);
  add(seq, ramp, 60);
  FileSourceOptions o;
  o.frames_per_second = 60;  // one second of frames
  CameraFeedOptions feed;
  feed.preview_fps = 10;
  feed.preview_max_height = 240;
  Collected got;
  CameraFeed cam(FileSource::of_images(seq, o), feed, [&] { ++got.wakes; });
  cam.set_previewing(true);
  cam.start({});
  REQUIRE(eventually([&] { return cam.report().state == CameraReport::State::Ended; }));
  auto p = cam.take_preview();
  REQUIRE(p.has_value());
  CHECK(p->image.width == 320);
  CHECK(p->image.height == 240);
  CHECK(p->image.at(0, 0) > 240);   // mirrored: the bright right edge is on the left
  CHECK(p->image.at(319, 0) < 15);
  CHECK_FALSE(cam.take_preview().has_value());  // taken once
  CHECK(got.wakes.load() <= 10 + 4);            // ~10 preview wakes in a second, plus state changes
  CHECK(got.wakes.load() >= 3);
}

TEST_CASE("a camera that is not there yet: trouble, tried again with back-off, then streaming") {
  std::vector<std::pair<std::string, GreyImage>> seq;
  add(seq, held_up("CATE-LATE"), 10);
  FileSourceOptions o;
  o.frames_per_second = 50;
  CameraFeedOptions feed;
  feed.first_retry = 20ms;
  feed.max_retry = 40ms;
  auto late = std::make_unique<LateSource>(FileSource::of_images(seq, o), 2, CameraError::Kind::NoCamera);
  LateSource* source = late.get();
  Collected got;
  CameraFeed cam(std::move(late), feed, [&] { ++got.wakes; });
  cam.set_scanning(true);
  REQUIRE(cam.report().state == CameraReport::State::Looking);
  cam.start([&](std::string code) {
    std::lock_guard lock(got.mutex);
    got.codes.push_back(std::move(code));
  });
  // A camera asked for by name and missing is trouble (not "no camera").
  CHECK(eventually([&] { return cam.report().state == CameraReport::State::Trouble; }, 1000ms));
  CHECK(cam.report().problem.find("no camera there") != std::string::npos);
  REQUIRE(eventually([&] { return cam.report().state == CameraReport::State::Ended; }));
  CHECK(source->starts.load() == 3);
  CHECK(got.take() == std::vector<std::string>{"CATE-LATE"});
  CHECK(cam.report().problem.empty());
}

TEST_CASE("auto with no camera on the machine: not found, and still looking") {
  auto late = std::make_unique<LateSource>(FileSource::of_images({{"0", wall()}}), 1000, CameraError::Kind::NoCamera);
  LateSource* source = late.get();
  CameraFeedOptions feed;
  feed.any_camera = true;
  feed.first_retry = 10ms;
  feed.max_retry = 20ms;
  CameraFeed cam(std::move(late), feed, {});
  cam.start({});
  CHECK(eventually([&] { return cam.report().state == CameraReport::State::NotFound; }, 1000ms));
  CHECK(eventually([&] { return source->starts.load() >= 3; }, 1000ms));
}

TEST_CASE("preview_of shrinks by whole factors, averages, and mirrors") {
  GreyImage im{4, 2, {0, 10, 20, 30, 40, 50, 60, 70}};
  GreyImage p = preview_of(im, 1);
  REQUIRE(p.width == 2);
  REQUIRE(p.height == 1);
  CHECK(p.at(1, 0) == (0 + 10 + 40 + 50) / 4);  // the left block lands on the right
  CHECK(p.at(0, 0) == (20 + 30 + 60 + 70) / 4);
  GreyImage same = preview_of(im, 480);
  CHECK(same.width == 4);
  CHECK(same.at(0, 0) == 30);
}

TEST_CASE("the chime: about a third of a second, audible, no click at either end") {
  const auto s = audio::make_chime(48000);
  CHECK(s.size() == static_cast<std::size_t>(0.36 * 48000));
  int peak = 0;
  for (auto v : s) peak = std::max(peak, std::abs(static_cast<int>(v)));
  CHECK(peak > 3000);
  CHECK(peak < 32767);
  CHECK(std::abs(static_cast<int>(s.front())) < 200);
  CHECK(std::abs(static_cast<int>(s.back())) < 200);
}

TEST_CASE("a QR code the app draws (libqrencode modules) is read back by ZXing") {
  const std::string url = "https://example.org/cate/resources";
  auto qr = make_qr(url);
  REQUIRE(qr.has_value());
  const int scale = 4, side = (qr->size + 8) * scale;
  GreyImage im{side, side, std::vector<std::uint8_t>(static_cast<std::size_t>(side) * side, 255)};
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const int mx = x / scale - 4, my = y / scale - 4;
      if (mx >= 0 && my >= 0 && mx < qr->size && my < qr->size && qr->dark[static_cast<std::size_t>(my) * qr->size + mx])
        im.pixels[static_cast<std::size_t>(y) * side + x] = 0;
    }
  CHECK(decode_qr(im).text == url);
}

TEST_CASE("a device that is not a camera (/dev/null) is trouble with its reason, tried again, never a crash") {
  V4l2Options v;
  v.device = "/dev/null";
  CameraFeedOptions feed;
  feed.first_retry = 10ms;
  feed.max_retry = 20ms;
  CameraFeed cam(std::make_unique<V4l2Camera>(v), feed, {});
  cam.set_scanning(true);
  cam.set_previewing(true);
  cam.start({});
  REQUIRE(eventually([&] { return cam.report().state == CameraReport::State::Trouble; }, 2000ms));
  CHECK(cam.report().problem.find("/dev/null") != std::string::npos);
  std::this_thread::sleep_for(100ms);  // several tries later, still the same calm state
  CHECK(cam.report().state == CameraReport::State::Trouble);
  CHECK_FALSE(cam.take_preview().has_value());
}

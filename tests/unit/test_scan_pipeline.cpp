// The camera pipeline end to end: image files through the file source, the decode thread, and
// a real kiosk store, to check-in outcomes. Frames are drawn here: ticket QR codes on a noisy,
// cluttered background like a camera's view of a room.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/scan/decode.hpp"
#include "kiosk/scan/pipeline.hpp"
#include "kiosk_fixture.hpp"
#include "platform/camera/file_source.hpp"
#include "sync/admin/qr_image.hpp"

using namespace cate;
using namespace std::chrono_literals;

namespace {

/// A camera's view with nobody in it: smooth shading, some clutter, sensor noise.
GreyImage room(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) im.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>(90 + (x + y) * 80 / (w + h));
  for (int i = 0; i < 40; ++i) {  // papers and edges
    const int rw = 10 + rng() % 80, rh = 5 + rng() % 60, rx = rng() % w, ry = rng() % h;
    const auto v = static_cast<std::uint8_t>(rng() % 256);
    for (int y = ry; y < std::min(h, ry + rh); ++y)
      for (int x = rx; x < std::min(w, rx + rw); ++x) im.pixels[static_cast<std::size_t>(y) * w + x] = v;
  }
  std::normal_distribution<double> noise(0, 6);
  for (auto& p : im.pixels) p = static_cast<std::uint8_t>(std::clamp(p + noise(rng), 0.0, 255.0));
  return im;
}

/// The room with a ticket held up in it, at 4 pixels a module, a little dimmed.
GreyImage room_with(const std::string& code, unsigned seed, int at_x = 200, int at_y = 120) {
  GreyImage im = room(640, 480, seed);
  auto qr = encode_qr(code);
  REQUIRE(qr);
  const GreyImage patch = qr_to_image(*qr, 4);
  std::mt19937 rng(seed + 1000);
  std::normal_distribution<double> noise(0, 5);
  for (int y = 0; y < patch.height && at_y + y < im.height; ++y)
    for (int x = 0; x < patch.width && at_x + x < im.width; ++x) {
      const double v = 40 + patch.at(x, y) * 0.75 + noise(rng);
      im.pixels[static_cast<std::size_t>(at_y + y) * im.width + at_x + x] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  return im;
}

std::string frame_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "/frame-%02d.png", i);
  return name;
}

}  // namespace

TEST_CASE("scan pipeline: image files drive the pipeline to check-ins, one scan per appearance of a code") {
  test::KioskFixture f;
  const std::string a = f.code_for(f.rsvps[0]), b = f.code_for(f.rsvps[1]);
  // empty, A x5, empty x3, A x4, B x3 — 100 ms a frame, as a slow camera would give them.
  std::vector<std::string> plan = {""};
  for (int i = 0; i < 5; ++i) plan.push_back(a);
  for (int i = 0; i < 3; ++i) plan.push_back("");
  for (int i = 0; i < 4; ++i) plan.push_back(a);
  for (int i = 0; i < 3; ++i) plan.push_back(b);
  test::TempDir dir("pipeline-frames");
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const unsigned seed = static_cast<unsigned>(i) + 1;
    // The ticket moves a little from frame to frame, as a hand does.
    const GreyImage frame = plan[i].empty() ? room(640, 480, seed) : room_with(plan[i], seed, 180 + 7 * static_cast<int>(i), 100 + 3 * static_cast<int>(i));
    REQUIRE(write_png(dir.path + frame_name(static_cast<int>(i)), frame));
  }
  auto source = FileSource::open(dir.path, FileSourceOptions{10, {}, false});
  REQUIRE(source.ok());

  ScanPipelineOptions options;
  // Longer than a frame or two (a missed read inside an appearance does not split it), shorter
  // than the three empty frames between the two appearances of A.
  options.repeat_window = 250ms;
  std::atomic<int> called{0};
  ScanPipeline pipeline(options, [&](const CameraScan&) { ++called; });
  REQUIRE(pipeline.start(std::move(*source)).ok());
  REQUIRE(pipeline.wait_until_done(20s));
  const auto scans = pipeline.take_scans();
  const auto stats = pipeline.stats();
  CAPTURE(stats.frames);
  CAPTURE(stats.decoded);
  CAPTURE(stats.dropped);
  CAPTURE(stats.repeats);

  REQUIRE(scans.size() == 3);
  CHECK(called == 3);
  CHECK(stats.frames == plan.size());
  CHECK(stats.scans == 3);
  CHECK(scans[0].text == a);
  CHECK(scans[1].text == a);
  CHECK(scans[2].text == b);
  CHECK((scans[0].frame_sequence >= 1 && scans[0].frame_sequence <= 5));
  CHECK((scans[1].frame_sequence >= 9 && scans[1].frame_sequence <= 12));
  CHECK((scans[2].frame_sequence >= 13 && scans[2].frame_sequence <= 15));
  for (const auto& s : scans) {
    CHECK(s.read_at >= s.captured);  // each scan carries its frame's capture time
    CHECK(s.read_at - s.captured < 5s);
  }
  CHECK(scans[1].captured - scans[0].captured >= 700ms);  // frames 9.. vs 1..5, 100 ms apart
  CHECK(pipeline.take_scans().empty());
  CHECK_FALSE(pipeline.source_problem());

  // The kiosk checks in what the camera read: A is welcome, A again is "already", B is welcome.
  std::vector<ScanOutcome> outcomes;
  for (const auto& s : scans) outcomes.push_back(f.scan(s.text).outcome);
  CHECK(outcomes == std::vector<ScanOutcome>{ScanOutcome::CheckedIn, ScanOutcome::AlreadyCheckedIn, ScanOutcome::CheckedIn});
}

TEST_CASE("scan pipeline: frames faster than decoding: the newest frame wins and stale ones are dropped") {
  test::KioskFixture f;
  const std::string c = f.code_for(f.rsvps[2]);
  const int count = 30;
  std::vector<std::pair<std::string, GreyImage>> frames;
  const GreyImage empty = room(640, 480, 7);
  for (int i = 0; i < count - 1; ++i) frames.emplace_back("empty", empty);
  frames.emplace_back("ticket", room_with(c, 99));  // only the very last frame shows the ticket
  auto source = FileSource::of_images(std::move(frames), FileSourceOptions{0, {}, false});  // as fast as they come

  ScanPipelineOptions options;
  options.reader = [](const GreyImage& im) {  // a slow reader: 20 ms a frame
    std::this_thread::sleep_for(20ms);
    return decode_qr(im, DecodeEffort::Fast).text;
  };
  ScanPipeline pipeline(options);
  REQUIRE(pipeline.start(std::move(source)).ok());
  REQUIRE(pipeline.wait_until_done(20s));
  const auto stats = pipeline.stats();
  CAPTURE(stats.decoded);
  CHECK(stats.frames == static_cast<std::uint64_t>(count));
  CHECK(stats.decoded + stats.dropped == stats.frames);
  CHECK(stats.dropped >= count / 2);
  REQUIRE(stats.last_read_sequence);
  CHECK(*stats.last_read_sequence == static_cast<std::uint64_t>(count - 1));  // the newest was read
  const auto scans = pipeline.take_scans();
  REQUIRE(scans.size() == 1);
  CHECK(scans[0].text == c);
  CHECK(scans[0].frame_sequence == static_cast<std::uint64_t>(count - 1));
  CHECK(f.scan(scans[0].text).outcome == ScanOutcome::CheckedIn);
}

TEST_CASE("scan pipeline: a code held in view for seconds is one scan; shown again after the window, a second") {
  ScanPipelineOptions options;
  options.repeat_window = 3000ms;
  options.reader = [](const GreyImage& im) -> std::optional<std::string> {
    if (im.pixels.empty() || im.pixels[0] == 0) return std::nullopt;
    return "CODE" + std::to_string(im.pixels[0]);
  };
  ScanPipeline pipeline(options);
  const auto t0 = FrameClock::now();
  auto frame = [&](std::uint8_t code, int at_ms, std::uint64_t seq) {
    return Frame{GreyImage{1, 1, {code}}, t0 + std::chrono::milliseconds(at_ms), seq};
  };
  std::uint64_t seq = 0;
  auto show = [&](std::uint8_t code, int at_ms) {
    pipeline.submit(frame(code, at_ms, seq++));
    // One at a time, so none is dropped: this test is about repeats.
    for (int i = 0; i < 200 && pipeline.stats().decoded < seq; ++i) std::this_thread::sleep_for(1ms);
  };
  for (int t = 0; t <= 6000; t += 500) show(1, t);  // held up for six seconds: one scan
  show(2, 6100);                                     // another ticket: a scan
  show(0, 7000);                                     // nobody
  show(1, 9100);                                     // the first again, 3.1 s after last seen: a new scan
  show(1, 9200);
  const auto scans = pipeline.take_scans();
  REQUIRE(scans.size() == 3);
  CHECK(scans[0].text == "CODE1");
  CHECK(scans[1].text == "CODE2");
  CHECK(scans[2].text == "CODE1");
  CHECK(scans[2].captured == t0 + 9100ms);
  CHECK(pipeline.stats().repeats == 13);
}

TEST_CASE("scan pipeline: a source that cannot start is reported, and the pipeline still stops cleanly") {
  ScanPipeline pipeline;
  auto r = pipeline.start(FileSource::of_images({}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == CameraError::Kind::EmptyFolder);
  CHECK(pipeline.source_problem());
  CHECK(pipeline.source_ended());
}

TEST_CASE("scan pipeline: stopping a looping source mid-stream ends its thread") {
  auto source = FileSource::of_images({{"a", room(320, 240, 3)}}, FileSourceOptions{30, {}, true});
  ScanPipeline pipeline;
  REQUIRE(pipeline.start(std::move(source)).ok());
  std::this_thread::sleep_for(150ms);
  pipeline.stop_capture();
  const auto frames = pipeline.stats().frames;
  CHECK(frames >= 2);
  std::this_thread::sleep_for(100ms);
  CHECK(pipeline.stats().frames == frames);
}

// The file/folder frame source: order, looping, pacing, and plain errors.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "kiosk_fixture.hpp"
#include "platform/camera/file_source.hpp"

using namespace cate;
using namespace std::chrono_literals;

namespace {

/// A flat image whose width tells which one it is.
GreyImage marked(int width, std::uint8_t value = 128) {
  return GreyImage{width, 8, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * 8, value)};
}

/// A folder with c.png (30 px wide), a.pgm (10), b.png (20) and a text file that is not an image.
struct ImageFolder {
  test::TempDir dir{"frames"};
  ImageFolder() {
    REQUIRE(write_png(dir.path + "/c.png", marked(30)));
    REQUIRE(write_pgm(dir.path + "/a.pgm", marked(10)));
    REQUIRE(write_png(dir.path + "/b.png", marked(20)));
    std::ofstream(dir.path + "/notes.txt") << "not an image";
  }
};

FileSourceOptions paced(double fps, bool loop = false) {
  FileSourceOptions o;
  o.frames_per_second = fps;
  o.loop = loop;
  return o;
}

double ms_between(FrameClock::time_point a, FrameClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

TEST_CASE("frame source: a folder's images come in name order, then the sequence ends") {
  ImageFolder folder;
  auto source = FileSource::open(folder.dir.path, paced(0));
  REQUIRE(source.ok());
  CHECK((*source)->size() == 3);
  REQUIRE((*source)->start().ok());
  for (int i = 0; i < 3; ++i) {
    auto frame = (*source)->next(100ms);
    REQUIRE(frame.ok());
    CHECK(frame->image.width == 10 * (i + 1));
    CHECK(frame->sequence == static_cast<std::uint64_t>(i));
  }
  CHECK((*source)->name_of(0) == "a.pgm");
  auto end = (*source)->next(100ms);
  REQUIRE_FALSE(end.ok());
  CHECK(end.error().kind == CameraError::Kind::EndOfFrames);
}

TEST_CASE("frame source: a looped folder starts again after its last image") {
  ImageFolder folder;
  auto source = FileSource::open(folder.dir.path, paced(0, true));
  REQUIRE(source.ok());
  REQUIRE((*source)->start().ok());
  for (int i = 0; i < 7; ++i) {
    auto frame = (*source)->next(100ms);
    REQUIRE(frame.ok());
    CHECK(frame->image.width == 10 * (i % 3 + 1));
    CHECK(frame->sequence == static_cast<std::uint64_t>(i));
  }
}

TEST_CASE("frame source: a single image file is a one-frame sequence") {
  ImageFolder folder;
  auto source = FileSource::open(folder.dir.path + "/b.png", paced(0));
  REQUIRE(source.ok());
  REQUIRE((*source)->start().ok());
  auto frame = (*source)->next(100ms);
  REQUIRE(frame.ok());
  CHECK(frame->image.width == 20);
  CHECK_FALSE((*source)->next(100ms).ok());
}

TEST_CASE("frame source: frames come at the pace asked for, stamped with their capture time") {
  auto source = FileSource::of_images({{"a", marked(10)}, {"b", marked(20)}}, paced(40, true));
  const auto before = FrameClock::now();
  REQUIRE(source->start().ok());
  std::vector<FrameClock::time_point> times;
  for (int i = 0; i < 6; ++i) {
    auto frame = source->next(500ms);
    REQUIRE(frame.ok());
    CHECK(frame->captured >= before);
    times.push_back(frame->captured);
  }
  // 25 ms apart from the start: the first at once, the sixth due 125 ms later (scheduling may
  // only add to that; a late frame does not push the ones after it back).
  CHECK(ms_between(before, times.back()) >= 124);
  CHECK(ms_between(times.front(), times.back()) < 5000);  // no stall (a loaded sanitizer build is slow)
  for (std::size_t i = 1; i < times.size(); ++i) CHECK(times[i] >= times[i - 1]);
}

TEST_CASE("frame source: each image can stay its own time") {
  auto source = FileSource::of_images({{"short", marked(10)}, {"long", marked(20)}, {"last", marked(30)}},
                                      {10, {10ms, 80ms, 10ms}, false});
  const auto before = FrameClock::now();
  REQUIRE(source->start().ok());
  auto a = source->next(500ms), b = source->next(500ms), c = source->next(500ms);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  // Each is due when the one before it was due plus that one's time (a late frame, on a busy
  // machine, does not push the ones after it back): b at 10 ms, c at 10 + 80 ms from the start.
  CHECK(ms_between(before, b->captured) >= 9);
  CHECK(ms_between(before, c->captured) >= 89);
  CHECK(ms_between(a->captured, c->captured) >= 9);
}

TEST_CASE("frame source: asking with a short wait before a frame is due is a timeout, not an end") {
  auto source = FileSource::of_images({{"a", marked(10)}, {"b", marked(20)}}, paced(2));
  REQUIRE(source->start().ok());
  REQUIRE(source->next(10ms).ok());  // the first is due at once
  auto early = source->next(10ms);   // the second only in 500 ms
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().kind == CameraError::Kind::Timeout);
  CHECK(source->next(1000ms).ok());
}

TEST_CASE("frame source: next() before start() says so") {
  auto source = FileSource::of_images({{"a", marked(10)}});
  auto frame = source->next(10ms);
  REQUIRE_FALSE(frame.ok());
  CHECK(frame.error().kind == CameraError::Kind::NotStarted);
}

TEST_CASE("frame source: an empty folder, a folder of non-images, a bad file and a missing path are plain errors") {
  test::TempDir dir("frames-bad");
  auto empty = FileSource::open(dir.path);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().kind == CameraError::Kind::EmptyFolder);
  CHECK(empty.error().message.find("no images in this folder") != std::string::npos);

  std::ofstream(dir.path + "/readme.txt") << "hello";
  auto no_images = FileSource::open(dir.path);
  REQUIRE_FALSE(no_images.ok());
  CHECK(no_images.error().kind == CameraError::Kind::EmptyFolder);

  std::ofstream(dir.path + "/broken.png") << "this is not a PNG at all";
  auto bad = FileSource::open(dir.path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == CameraError::Kind::BadFile);
  CHECK(bad.error().message.find("broken.png") != std::string::npos);

  auto missing = FileSource::open(dir.path + "/nowhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == CameraError::Kind::CannotOpen);
  CHECK(missing.error().message.find("no such file or folder") != std::string::npos);

  auto nothing = FileSource::of_images({});
  auto started = nothing->start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().kind == CameraError::Kind::EmptyFolder);
}

// LiveDecoder, the camera path's QR reader: whole and half size in turn, so any two frames in a
// row read a code of any size it can; a light-on-dark code; empty and broken frames.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>

#include "kiosk/scan/image_ops.hpp"
#include "kiosk/scan/live_decode.hpp"
#include "sync/admin/qr_image.hpp"

using namespace cate;

namespace {

const std::string kText = "CATE1.live-decoder-test.0123456789";

void paste(GreyImage& dst, const GreyImage& src, int x0, int y0) {
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < src.width; ++x)
      dst.pixels[static_cast<std::size_t>(y0 + y) * dst.width + x0 + x] = src.pixels[static_cast<std::size_t>(y) * src.width + x];
}

GreyImage add_noise(GreyImage im, int amplitude, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-amplitude, amplitude);
  for (auto& p : im.pixels) p = static_cast<std::uint8_t>(std::clamp(p + d(rng), 0, 255));
  return im;
}

/// Out of focus and dim: a few 3x3 box blurs, then the grey range squeezed around `mid`.
GreyImage soft(GreyImage im, int blurs, double contrast, int mid) {
  for (int i = 0; i < blurs; ++i) im = smooth(im);
  for (auto& p : im.pixels) p = static_cast<std::uint8_t>(std::clamp(static_cast<int>(mid + (p - mid) * contrast), 0, 255));
  return im;
}

/// A grey camera-sized frame with the code pasted at (x, y), `module_px` pixels a module.
GreyImage frame_with_code(int w, int h, int module_px, bool light_on_dark = false, std::uint32_t seed = 1) {
  GreyImage frame{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h, light_on_dark ? 30 : 170)};
  auto qr = encode_qr(kText);
  REQUIRE(qr);
  GreyImage code = qr_to_image(*qr, module_px);
  if (light_on_dark) code = invert(code);
  paste(frame, code, (w - code.width) / 3, (h - code.height) / 2);
  return add_noise(frame, 4, seed);
}

/// Read within `frames` frames in a row (a person holds a code up for many).
std::optional<std::string> read_within(LiveDecoder& d, const GreyImage& frame, int frames) {
  for (int i = 0; i < frames; ++i)
    if (auto r = d.read(frame); r.text) return r.text;
  return std::nullopt;
}

}  // namespace

TEST_CASE("live decoder: small, middling and large codes are read within two frames, from any turn") {
  for (int module_px : {3, 4, 8}) {
    const GreyImage frame = frame_with_code(1280, 720, module_px);
    for (int phase = 0; phase < 2; ++phase) {
      CAPTURE(module_px);
      CAPTURE(phase);
      LiveDecoder d;
      const GreyImage empty{1280, 720, std::vector<std::uint8_t>(1280 * 720, 128)};
      for (int i = 0; i < phase; ++i) CHECK_FALSE(d.read(empty).text);
      CHECK(read_within(d, frame, 2) == kText);
    }
  }
}

TEST_CASE("live decoder: a light code on a dark phone screen is read within two frames") {
  const GreyImage frame = frame_with_code(640, 480, 6, true);
  LiveDecoder d;
  LiveRead last;
  for (int i = 0; i < 2 && !last.text; ++i) last = d.read(frame);
  REQUIRE(last.text);
  CHECK(*last.text == kText);
  CHECK(std::string(last.how) == "inverted");
}

TEST_CASE("live decoder: empty, noisy and broken frames give nothing, quickly and without a throw") {
  LiveDecoder d;
  std::mt19937 rng(7);
  GreyImage noise{640, 480, std::vector<std::uint8_t>(640 * 480)};
  for (auto& p : noise.pixels) p = static_cast<std::uint8_t>(rng());
  for (int i = 0; i < 4; ++i) {
    const auto r = d.read(noise);
    CHECK_FALSE(r.text);
    CHECK(std::string(r.how).empty());
  }
  CHECK_FALSE(d.read(GreyImage{}).text);
  CHECK_FALSE(d.read(GreyImage{640, 480, std::vector<std::uint8_t>(100)}).text);  // fewer pixels than it says
  CHECK_FALSE(d.read(GreyImage{3, 1, std::vector<std::uint8_t>(3, 0)}).text);
}

TEST_CASE("live decoder: a code too blurred to read outright is flagged and read by the extra tries") {
  // Soft edges and low contrast, as a camera slightly out of focus gives.
  auto qr = encode_qr(kText);
  REQUIRE(qr);
  GreyImage code = soft(qr_to_image(*qr, 5), 3, 0.35, 140);
  GreyImage frame{640, 480, std::vector<std::uint8_t>(640 * 480, 150)};
  paste(frame, code, 100, 60);
  LiveDecoder d;
  CHECK(read_within(d, frame, 2) == kText);
}

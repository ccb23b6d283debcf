// Reading the QR code in a grey image with ZXing-C++, QR format only.
//
// Fast (live camera frames): one pass, no extra effort, so an empty frame costs little.
// Thorough (image files, photos): ZXing's own hardest settings, then, if nothing was read,
// the same image downscaled (big photos with a large code), contrast-stretched (dim or washed
// out), smoothed (sensor noise), and inverted (light code on a dark background).
#include "kiosk/scan/decode.hpp"

#include <ReadBarcode.h>

#include <algorithm>
#include <array>
#include <chrono>

namespace cate {
namespace {

std::optional<std::string> read_once(const GreyImage& image, const ZXing::DecodeHints& hints) {
  const ZXing::ImageView view(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum);
  const ZXing::Result result = ZXing::ReadBarcode(view, hints);
  if (!result.isValid() || result.format() != ZXing::BarcodeFormat::QRCode) return std::nullopt;
  return result.text();
}

/// Area-averaged copy `factor` times smaller on each side.
GreyImage downscale(const GreyImage& in, int factor) {
  GreyImage out;
  out.width = in.width / factor;
  out.height = in.height / factor;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
  const int area = factor * factor;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sum = 0;
      for (int dy = 0; dy < factor; ++dy) {
        const std::uint8_t* row = &in.pixels[static_cast<std::size_t>(y * factor + dy) * in.width + x * factor];
        for (int dx = 0; dx < factor; ++dx) sum += row[dx];
      }
      out.pixels[static_cast<std::size_t>(y) * out.width + x] = static_cast<std::uint8_t>((sum + area / 2) / area);
    }
  return out;
}

/// Stretches the 1st..99th percentile of grey levels to the full range. Nothing when the image
/// is already full-range or flat.
std::optional<GreyImage> stretch_contrast(const GreyImage& in) {
  std::array<std::size_t, 256> histogram{};
  for (std::uint8_t p : in.pixels) ++histogram[p];
  const std::size_t n = in.pixels.size();
  const std::size_t cut = n / 100;
  int lo = 0, hi = 255;
  for (std::size_t seen = 0; lo < 255 && (seen += histogram[lo]) <= cut;) ++lo;
  for (std::size_t seen = 0; hi > 0 && (seen += histogram[hi]) <= cut;) --hi;
  if (hi - lo < 8 || (lo < 16 && hi > 239)) return std::nullopt;
  std::array<std::uint8_t, 256> map{};
  for (int v = 0; v < 256; ++v)
    map[v] = static_cast<std::uint8_t>(std::clamp((v - lo) * 255 / (hi - lo), 0, 255));
  GreyImage out = in;
  for (auto& p : out.pixels) p = map[p];
  return out;
}

/// A 3x3 box blur: takes the edge off sensor noise without losing modules of 3 pixels or more.
GreyImage smooth(const GreyImage& in) {
  GreyImage out = in;
  const int w = in.width, h = in.height;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int sum = 0, count = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        const int yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (int dx = -1; dx <= 1; ++dx) {
          const int xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          sum += in.pixels[static_cast<std::size_t>(yy) * w + xx];
          ++count;
        }
      }
      out.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>((sum + count / 2) / count);
    }
  return out;
}

GreyImage invert(const GreyImage& in) {
  GreyImage out = in;
  for (auto& p : out.pixels) p = static_cast<std::uint8_t>(255 - p);
  return out;
}

std::optional<std::string> read_thorough(const GreyImage& image) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode).setTryHarder(true).setTryRotate(true).setTryDownscale(true);
  if (auto text = read_once(image, hints)) return text;

  // A big photo where the code fills much of the frame: ZXing's own downscaling is by 3 and
  // only below a size threshold; halving and quartering catch the sizes in between.
  const int longest = std::max(image.width, image.height);
  for (int factor : {2, 4}) {
    if (longest / factor < 400) break;
    if (auto text = read_once(downscale(image, factor), hints)) return text;
  }
  const auto stretched = stretch_contrast(image);
  if (stretched)
    if (auto text = read_once(*stretched, hints)) return text;
  if (auto text = read_once(smooth(stretched ? *stretched : image), hints)) return text;
  // The global-histogram binarizer copes with some blur and glare the local one does not.
  ZXing::DecodeHints global = hints;
  global.setBinarizer(ZXing::Binarizer::GlobalHistogram);
  if (auto text = read_once(image, global)) return text;
  if (auto text = read_once(invert(image), hints)) return text;
  return std::nullopt;
}

std::optional<std::string> read_fast(const GreyImage& image) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode).setTryHarder(false).setTryRotate(false).setTryDownscale(true);
  return read_once(image, hints);
}

}  // namespace

DecodeResult decode_qr(const GreyImage& image, DecodeEffort effort) {
  const auto start = std::chrono::steady_clock::now();
  DecodeResult out;
  const bool usable =
      image.width > 0 && image.height > 0 &&
      image.pixels.size() >= static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  if (usable) {
    try {
      out.text = effort == DecodeEffort::Fast ? read_fast(image) : read_thorough(image);
    } catch (...) {
      // ZXing may throw on allocation failure; a frame that cannot be read is simply unread.
      out.text.reset();
    }
  }
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace cate

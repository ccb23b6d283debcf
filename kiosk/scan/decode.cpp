// Reading the QR code in a grey image with ZXing-C++, QR format only.
//
// Fast (live camera frames): one pass, no extra effort, so an empty frame costs little.
// Thorough (image files, photos): ZXing's own hardest settings, then, if nothing was read,
// the same image downscaled (big photos with a large code), contrast-stretched (dim or washed
// out), smoothed (sensor noise), and inverted (light code on a dark background).
#include "kiosk/scan/decode.hpp"

#include "kiosk/scan/image_ops.hpp"

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

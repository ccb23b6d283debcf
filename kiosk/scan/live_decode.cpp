// Live frames: a cheap first pass that also tells "a code is there but unread" from "nothing",
// then extra tries only where they can help (see live_decode.hpp).
#include "kiosk/scan/live_decode.hpp"

#include <ReadBarcode.h>

#include <algorithm>
#include <chrono>

#include "kiosk/scan/image_ops.hpp"

namespace cate {
namespace {

struct Pass {
  std::optional<std::string> text;
  bool candidate = false;
};

Pass read_pass(const GreyImage& image, ZXing::Binarizer binarizer = ZXing::Binarizer::LocalAverage, bool harder = false) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode)
      .setTryHarder(harder)
      .setTryRotate(false)
      .setTryDownscale(false)
      .setReturnErrors(true)
      .setBinarizer(binarizer);
  const ZXing::ImageView view(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum);
  const ZXing::Result r = ZXing::ReadBarcode(view, hints);
  Pass p;
  if (r.format() != ZXing::BarcodeFormat::QRCode) return p;
  if (r.isValid()) p.text = r.text();
  else p.candidate = true;
  return p;
}

bool usable(const GreyImage& im) {
  return im.width > 0 && im.height > 0 &&
         im.pixels.size() >= static_cast<std::size_t>(im.width) * static_cast<std::size_t>(im.height);
}

}  // namespace

int LiveDecoder::factor_for(const GreyImage& frame) const {
  const double module_px =
      frame.height * options_.smallest_code_share / std::max(1, options_.code_modules + 8);  // with its quiet zone
  return std::clamp(static_cast<int>(module_px / std::max(1, options_.min_module_px)), 1, 8);
}

LiveRead LiveDecoder::read(const GreyImage& frame) {
  const auto start = std::chrono::steady_clock::now();
  LiveRead out;
  auto finish = [&](std::optional<std::string> text, const char* how) {
    out.text = std::move(text);
    out.how = out.text ? how : "";
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
  };
  ++frames_;
  if (!usable(frame)) return finish(std::nullopt, "");
  try {
    out.factor = factor_for(frame);
    GreyImage small;
    if (out.factor > 1) small = downscale(frame, out.factor);
    const GreyImage& working = out.factor > 1 ? small : frame;

    const Pass first = read_pass(working);
    if (first.text) return finish(first.text, "plain");
    out.candidate = first.candidate;
    if (!options_.extra_tries) return finish(std::nullopt, "");

    // The other scale: the full frame when we read it smaller, else half size (a code so close
    // or so blurred that its modules are big and soft).
    auto other_scale = [&]() -> std::optional<GreyImage> {
      if (out.factor > 1) return frame;
      if (std::min(frame.width, frame.height) >= 400) return downscale(frame, 2);
      return std::nullopt;
    };
    if (first.candidate) {  // a code is there: try everything that helps, in order of cost
      const auto stretched = stretch_contrast(working);
      if (stretched)
        if (auto p = read_pass(*stretched); p.text) return finish(p.text, "contrast");
      if (auto p = read_pass(smooth(stretched ? *stretched : working)); p.text) return finish(p.text, "smooth");
      if (auto p = read_pass(working, ZXing::Binarizer::GlobalHistogram); p.text) return finish(p.text, "global");
      if (auto other = other_scale())
        if (auto p = read_pass(*other, ZXing::Binarizer::LocalAverage, true); p.text) return finish(p.text, "scale");
      return finish(std::nullopt, "");
    }
    // Nothing seen: every other frame, one try that finds what the first pass cannot see at all.
    if (frames_ % 2 == 0) {
      switch (next_extra_++ % 3) {
        case 0:
          if (auto p = read_pass(invert(working)); p.text) return finish(p.text, "inverted");
          break;
        case 1:
          if (auto other = other_scale())
            if (auto p = read_pass(*other); p.text) return finish(p.text, "scale");
          break;
        default:
          if (const auto stretched = stretch_contrast(working))
            if (auto p = read_pass(*stretched); p.text) return finish(p.text, "contrast");
          break;
      }
    }
  } catch (...) {
    // ZXing may throw on allocation failure; a frame that cannot be read is simply unread.
  }
  return finish(std::nullopt, "");
}

}  // namespace cate

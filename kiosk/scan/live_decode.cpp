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

Pass read_view(const ZXing::ImageView& view, ZXing::Binarizer binarizer, bool harder = false) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode)
      .setTryHarder(harder)
      .setTryRotate(false)
      .setTryDownscale(false)
      .setReturnErrors(true)
      .setMaxNumberOfSymbols(1)
      .setBinarizer(binarizer);
  const ZXing::Result r = ZXing::ReadBarcode(view, hints);
  Pass p;
  if (r.format() != ZXing::BarcodeFormat::QRCode) return p;
  if (r.isValid()) p.text = r.text();
  else p.candidate = true;
  return p;
}

ZXing::ImageView view_of(const GreyImage& image) {
  return {image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum};
}

Pass read_pass(const GreyImage& image, ZXing::Binarizer binarizer = ZXing::Binarizer::LocalAverage, bool harder = false) {
  return read_view(view_of(image), binarizer, harder);
}

/// Half size by 2x2 averages (which also halves sensor noise).
GreyImage half(const GreyImage& in) {
  GreyImage out;
  out.width = in.width / 2;
  out.height = in.height / 2;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y) {
    const std::uint8_t* a = &in.pixels[static_cast<std::size_t>(2 * y) * in.width];
    const std::uint8_t* b = a + in.width;
    std::uint8_t* o = &out.pixels[static_cast<std::size_t>(y) * out.width];
    for (int x = 0; x < out.width; ++x)
      o[x] = static_cast<std::uint8_t>((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
  }
  return out;
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

    // Two passes in turn, so that any two frames in a row see what either can: the whole frame
    // (a small, far-away code), and the frame at half size (a code held close: a quarter of the
    // cost, and its sensor noise averaged away), with a look for a light code on a dark screen.
    const bool full_turn = frames_ % 2 == 1 || working.height < options_.coarse_from_height;
    std::optional<GreyImage> halved;
    if (!full_turn) halved = half(working);
    // On the whole frame ZXing looks at every third row (its "harder" setting), so a small code's
    // finder patterns are not stepped over; on frames up to ~520 rows it does that anyway.
    const Pass first = full_turn ? read_pass(working, ZXing::Binarizer::LocalAverage, true) : read_pass(*halved);
    if (first.text) return finish(first.text, full_turn ? "plain" : "half");
    out.candidate = first.candidate;
    if (!options_.extra_tries) return finish(std::nullopt, "");

    if (first.candidate) {  // a code is there: try everything that helps, in order of cost
      if (!full_turn)
        if (auto p = read_pass(working, ZXing::Binarizer::LocalAverage, true); p.text) return finish(p.text, "plain");
      if (auto p = read_pass(working, ZXing::Binarizer::GlobalHistogram); p.text) return finish(p.text, "global");
      const auto stretched = stretch_contrast(working);
      if (stretched)
        if (auto p = read_pass(*stretched); p.text) return finish(p.text, "contrast");
      if (auto p = read_pass(smooth(stretched ? *stretched : working)); p.text) return finish(p.text, "smooth");
      // Another scale, trying harder: the full frame when we read it smaller, else half size (a
      // code so close or so blurred that its modules are big and soft).
      if (out.factor > 1) {
        if (auto p = read_pass(frame, ZXing::Binarizer::LocalAverage, true); p.text) return finish(p.text, "scale");
      } else if (std::min(working.width, working.height) >= 400) {
        if (auto p = read_pass(halved ? *halved : half(working), ZXing::Binarizer::LocalAverage, true); p.text)
          return finish(p.text, "scale");
      }
      return finish(std::nullopt, "");
    }
    // Nothing seen on the half-size turn: the same half size dark for light (a phone in dark
    // mode), which no other pass can see.
    if (halved) {
      for (auto& p : halved->pixels) p = static_cast<std::uint8_t>(255 - p);
      if (auto p = read_pass(*halved); p.text) return finish(p.text, "inverted");
    }
  } catch (...) {
    // ZXing may throw on allocation failure; a frame that cannot be read is simply unread.
  }
  return finish(std::nullopt, "");
}

}  // namespace cate

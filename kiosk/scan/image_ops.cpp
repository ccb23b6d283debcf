// Grey-image operations for the QR readers (see image_ops.hpp).
#include "kiosk/scan/image_ops.hpp"

#include <algorithm>
#include <array>

namespace cate {

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

}  // namespace cate

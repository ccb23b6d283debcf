// Deterministic distortions of grey images, for testing and benchmarking the QR reader.
#include "tests/integration/image_distort.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

namespace cate::distort {
namespace {

GreyImage blank(int width, int height, std::uint8_t value = 255) {
  GreyImage out;
  out.width = std::max(width, 1);
  out.height = std::max(height, 1);
  out.pixels.assign(static_cast<std::size_t>(out.width) * out.height, value);
  return out;
}

std::uint8_t clamp_grey(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

std::uint8_t& px(GreyImage& im, int x, int y) { return im.pixels[static_cast<std::size_t>(y) * im.width + x]; }

/// One box blur pass along rows (horizontal) or columns, edges clamped.
GreyImage box_pass(const GreyImage& in, int radius, bool horizontal) {
  GreyImage out = in;
  const int len = horizontal ? in.width : in.height;
  const int lines = horizontal ? in.height : in.width;
  const int window = 2 * radius + 1;
  std::vector<int> line(static_cast<std::size_t>(len));
  for (int l = 0; l < lines; ++l) {
    for (int i = 0; i < len; ++i) line[i] = horizontal ? in.at(i, l) : in.at(l, i);
    auto get = [&](int i) { return line[std::clamp(i, 0, len - 1)]; };
    int sum = 0;
    for (int i = -radius; i <= radius; ++i) sum += get(i);
    for (int i = 0; i < len; ++i) {
      const auto v = static_cast<std::uint8_t>((sum + window / 2) / window);
      if (horizontal) px(out, i, l) = v; else px(out, l, i) = v;
      sum += get(i + radius + 1) - get(i - radius);
    }
  }
  return out;
}

/// Solves the 8x8 system for the homography taking `from` points to `to` points.
std::array<double, 9> homography(const std::array<double, 8>& from, const std::array<double, 8>& to) {
  double a[8][9] = {};
  for (int i = 0; i < 4; ++i) {
    const double x = from[2 * i], y = from[2 * i + 1], u = to[2 * i], v = to[2 * i + 1];
    double r1[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
    double r2[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, v};
    std::copy(r1, r1 + 9, a[2 * i]);
    std::copy(r2, r2 + 9, a[2 * i + 1]);
  }
  for (int c = 0; c < 8; ++c) {  // Gauss-Jordan with partial pivoting
    int pivot = c;
    for (int r = c + 1; r < 8; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    const double d = a[c][c];
    if (std::fabs(d) < 1e-12) return {1, 0, 0, 0, 1, 0, 0, 0, 1};
    for (int k = c; k < 9; ++k) a[c][k] /= d;
    for (int r = 0; r < 8; ++r) {
      if (r == c) continue;
      const double f = a[r][c];
      for (int k = c; k < 9; ++k) a[r][k] -= f * a[c][k];
    }
  }
  return {a[0][8], a[1][8], a[2][8], a[3][8], a[4][8], a[5][8], a[6][8], a[7][8], 1};
}

}  // namespace

double sample(const GreyImage& in, double x, double y, double outside) {
  // Pixel centres are at integer coordinates + 0.5.
  x -= 0.5;
  y -= 0.5;
  const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
  const double fx = x - x0, fy = y - y0;
  auto get = [&](int xx, int yy) {
    if (xx < 0 || yy < 0 || xx >= in.width || yy >= in.height) return outside;
    return static_cast<double>(in.at(xx, yy));
  };
  const double top = get(x0, y0) * (1 - fx) + get(x0 + 1, y0) * fx;
  const double bottom = get(x0, y0 + 1) * (1 - fx) + get(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

GreyImage rotate(const GreyImage& in, double degrees) {
  const double rad = degrees * std::numbers::pi / 180.0;
  double c = std::cos(rad), s = std::sin(rad);
  // Exact quarter turns stay pixel-exact.
  if (std::fabs(c) < 1e-12) c = 0;
  if (std::fabs(s) < 1e-12) s = 0;
  const int w = static_cast<int>(std::ceil(std::fabs(in.width * c) + std::fabs(in.height * s) - 1e-9));
  const int h = static_cast<int>(std::ceil(std::fabs(in.width * s) + std::fabs(in.height * c) - 1e-9));
  GreyImage out = blank(w, h);
  const double icx = in.width / 2.0, icy = in.height / 2.0, ocx = w / 2.0, ocy = h / 2.0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      // Each output pixel centre is rotated back into the source and sampled there.
      const double dx = x + 0.5 - ocx, dy = y + 0.5 - ocy;
      const double sx = c * dx - s * dy + icx, sy = s * dx + c * dy + icy;
      px(out, x, y) = clamp_grey(sample(in, sx, sy));
    }
  return out;
}

GreyImage blur(const GreyImage& in, int radius) {
  if (radius <= 0) return in;
  GreyImage out = in;
  for (int pass = 0; pass < 3; ++pass) out = box_pass(box_pass(out, radius, true), radius, false);
  return out;
}

GreyImage resize(const GreyImage& in, int width, int height) {
  GreyImage out = blank(width, height);
  const double sx = static_cast<double>(in.width) / out.width, sy = static_cast<double>(in.height) / out.height;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      // Average of the source area under this output pixel, partial pixels weighted.
      const double x0 = x * sx, x1 = (x + 1) * sx, y0 = y * sy, y1 = (y + 1) * sy;
      double sum = 0, area = 0;
      for (int yy = static_cast<int>(y0); yy < std::min(static_cast<int>(std::ceil(y1)), in.height); ++yy) {
        const double wy = std::min<double>(yy + 1, y1) - std::max<double>(yy, y0);
        for (int xx = static_cast<int>(x0); xx < std::min(static_cast<int>(std::ceil(x1)), in.width); ++xx) {
          const double wx = std::min<double>(xx + 1, x1) - std::max<double>(xx, x0);
          sum += in.at(xx, yy) * wx * wy;
          area += wx * wy;
        }
      }
      px(out, x, y) = clamp_grey(area > 0 ? sum / area : 255);
    }
  return out;
}

GreyImage scale(const GreyImage& in, double factor) {
  return resize(in, std::max(1, static_cast<int>(std::lround(in.width * factor))),
                std::max(1, static_cast<int>(std::lround(in.height * factor))));
}

GreyImage add_noise(const GreyImage& in, double sigma, std::uint32_t seed) {
  // Box-Muller over raw mt19937 output, so the noise is the same with any standard library.
  std::mt19937 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  GreyImage out = in;
  for (std::size_t i = 0; i < out.pixels.size(); i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform())), t = 2 * std::numbers::pi * uniform();
    out.pixels[i] = clamp_grey(out.pixels[i] + sigma * r * std::cos(t));
    if (i + 1 < out.pixels.size()) out.pixels[i + 1] = clamp_grey(out.pixels[i + 1] + sigma * r * std::sin(t));
  }
  return out;
}

GreyImage perspective(const GreyImage& in, const Quad& q) {
  const double w = in.width, h = in.height;
  const std::array<double, 8> src = {0, 0, w, 0, w, h, 0, h};
  const std::array<double, 8> dst = {q.top_left_x * w,           q.top_left_y * h,
                                     w - q.top_right_x * w,      q.top_right_y * h,
                                     w - q.bottom_right_x * w,   h - q.bottom_right_y * h,
                                     q.bottom_left_x * w,        h - q.bottom_left_y * h};
  const auto m = homography(dst, src);  // output pixel -> source pixel
  GreyImage out = blank(in.width, in.height);
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) {
      const double u = x + 0.5, v = y + 0.5;
      const double d = m[6] * u + m[7] * v + m[8];
      if (std::fabs(d) < 1e-12) continue;
      const double sx = (m[0] * u + m[1] * v + m[2]) / d, sy = (m[3] * u + m[4] * v + m[5]) / d;
      px(out, x, y) = clamp_grey(sample(in, sx, sy));
    }
  return out;
}

GreyImage reduce_contrast(const GreyImage& in, double contrast, int mid) {
  GreyImage out = in;
  for (auto& p : out.pixels) p = clamp_grey(mid + (p - 128.0) * contrast);
  return out;
}

GreyImage glare(const GreyImage& in, double cx, double cy, double radius, double strength) {
  GreyImage out = in;
  const double r = std::max(1.0, radius * std::min(in.width, in.height));
  const double px0 = cx * in.width, py0 = cy * in.height;
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) {
      const double d2 = ((x - px0) * (x - px0) + (y - py0) * (y - py0)) / (r * r);
      const double k = strength * std::exp(-2.0 * d2);
      auto& p = px(out, x, y);
      p = clamp_grey(p + (255.0 - p) * k);
    }
  return out;
}

void paste(GreyImage& dst, const GreyImage& src, int x, int y) {
  for (int sy = 0; sy < src.height; ++sy) {
    const int dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (int sx = 0; sx < src.width; ++sx) {
      const int dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      px(dst, dx, dy) = src.at(sx, sy);
    }
  }
}

}  // namespace cate::distort

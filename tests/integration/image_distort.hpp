#pragma once
/// @brief Deterministic image distortions that make a clean ticket QR look like a photo of one:
/// rotation, blur, downscaling, sensor noise, perspective, low contrast and glare.
/// The same inputs (and seed) always give the same pixels.
#include <cstdint>

#include "platform/image.hpp"

namespace cate::distort {

/// Rotates by `degrees` (counter-clockwise as seen) about the centre with bilinear sampling. The
/// canvas grows to hold the whole rotated image; uncovered areas are white paper.
GreyImage rotate(const GreyImage& in, double degrees);

/// A gaussian-like blur: three box blurs of `radius` pixels each way. radius 0: a copy.
GreyImage blur(const GreyImage& in, int radius);

/// Resizes to `width` x `height` with area averaging (a camera seeing the code from further away).
GreyImage resize(const GreyImage& in, int width, int height);
/// Scales both sides by `factor` (0 < factor <= 1) with area averaging.
GreyImage scale(const GreyImage& in, double factor);

/// Adds gaussian noise of standard deviation `sigma` grey levels; the seed fixes the noise.
GreyImage add_noise(const GreyImage& in, double sigma, std::uint32_t seed);

/// Where the four corners of the image move to, each as a fraction of width (x) and height (y)
/// moved inward: a sheet held at an angle to the camera.
struct Quad {
  double top_left_x = 0, top_left_y = 0;
  double top_right_x = 0, top_right_y = 0;
  double bottom_right_x = 0, bottom_right_y = 0;
  double bottom_left_x = 0, bottom_left_y = 0;
};
/// Warps the image so its corners land on `inset` (same canvas size, white outside).
GreyImage perspective(const GreyImage& in, const Quad& inset);

/// Squeezes the grey range to `contrast` (0..1) of itself around `mid` (a dim or washed-out shot).
GreyImage reduce_contrast(const GreyImage& in, double contrast, int mid = 128);

/// A bright round glare spot centred at fractions (cx, cy) of the image, radius a fraction of
/// the shorter side; `strength` 0..1 is how far the centre is pushed toward white.
GreyImage glare(const GreyImage& in, double cx, double cy, double radius, double strength);

/// Copies `src` onto `dst` with its top-left corner at (x, y), clipped to `dst`.
void paste(GreyImage& dst, const GreyImage& src, int x, int y);

/// Bilinear sample at real coordinates; `outside` where the point is off the image.
double sample(const GreyImage& in, double x, double y, double outside = 255.0);

}  // namespace cate::distort

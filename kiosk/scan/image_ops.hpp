#pragma once
/// @brief Small grey-image operations the QR readers use on hard frames: downscaling, contrast
/// stretch, smoothing, inversion.
#include <optional>

#include "platform/image.hpp"

namespace cate {

/// Area-averaged copy `factor` times smaller on each side.
GreyImage downscale(const GreyImage& in, int factor);
/// Stretches the 1st..99th percentile of grey levels to the full range. Nothing when the image
/// is already full-range or flat.
std::optional<GreyImage> stretch_contrast(const GreyImage& in);
/// A 3x3 box blur: takes the edge off sensor noise without losing modules of 3 pixels or more.
GreyImage smooth(const GreyImage& in);
/// Dark for light: a light code on a dark background (a phone in dark mode).
GreyImage invert(const GreyImage& in);

}  // namespace cate

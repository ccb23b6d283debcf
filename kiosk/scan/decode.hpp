#pragma once
/// @brief Finds and reads a QR code in a grey image (ZXing-C++). QR only: tickets and
/// enrolment codes are QR codes, and looking for nothing else keeps empty frames cheap.
#include <optional>
#include <string>

#include "platform/image.hpp"

namespace cate {

struct DecodeResult {
  std::optional<std::string> text;  ///< the decoded text, or nothing when no QR code was read
  double ms = 0;                    ///< time spent decoding, in milliseconds
};

/// How hard to look. Still images (files) get Thorough; live camera frames get Fast.
enum class DecodeEffort { Fast, Thorough };

/// Reads the QR code in `image`, if there is one.
DecodeResult decode_qr(const GreyImage& image, DecodeEffort effort = DecodeEffort::Thorough);

}  // namespace cate

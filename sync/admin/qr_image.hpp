#pragma once
/// @brief Draws a QR code for a text (libqrencode) as PNG, SVG or terminal text, ready to
/// print or mail-merge. Ticket text is QR alphanumeric, so it is encoded in that mode.
#include <optional>
#include <string>
#include <vector>

#include "platform/image.hpp"

namespace cate {

struct QrCode {
  int version = 0;  ///< QR version reached (1..40)
  int modules = 0;  ///< modules per side, without the quiet zone
  std::vector<bool> dark;  ///< modules*modules, row-major
};

/// Encodes `text` at error-correction level M. Nothing when the text cannot be encoded.
std::optional<QrCode> encode_qr(const std::string& text);

/// The code as a grey image: `scale` pixels a module, a 4-module quiet zone.
GreyImage qr_to_image(const QrCode& qr, int scale = 8);
/// The code as a standalone SVG document (one path, crisp at any size).
std::string qr_to_svg(const QrCode& qr, int scale = 8);
/// The code as text for a terminal, two modules a character (Unicode half blocks).
std::string qr_to_text(const QrCode& qr);

}  // namespace cate

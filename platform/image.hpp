#pragma once
/// @brief Grey (luma) images, and reading them from PNG, JPEG, WebP and PGM files.
/// Camera frames (V4L2) and image files both become a GreyImage before any decoding.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"

namespace cate {

/// 8-bit luma pixels, row-major, `width` bytes a row.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
  std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

/// Why an image could not be read, with a message a person can act on.
struct ImageError {
  enum class Kind { CannotOpen, Empty, UnknownFormat, Corrupt, TooLarge } kind;
  std::string message;  ///< e.g. "ticket.png: not a PNG, JPEG, WebP or PGM image"
};

/// Images larger than this are refused rather than decoded (a hostile file cannot exhaust memory).
inline constexpr long long kMaxImagePixels = 64LL * 1000 * 1000;

/// Decodes an image held in memory; the format is told by its first bytes, not its name.
Result<GreyImage, ImageError> decode_image(std::string_view bytes, std::string_view name_for_messages);
/// Reads and decodes an image file.
Result<GreyImage, ImageError> read_image_file(const std::string& path);

/// Writes a grey image as PNG (8-bit grey). Returns false if the file cannot be written.
bool write_png(const std::string& path, const GreyImage& image);
/// Encodes a grey image as PNG in memory.
std::string encode_png(const GreyImage& image);
/// Writes a grey image as binary PGM (P5).
bool write_pgm(const std::string& path, const GreyImage& image);

}  // namespace cate

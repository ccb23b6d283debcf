// Reading image files (PNG, JPEG, WebP, PGM) into grey images, and writing PNG and PGM.
// Every input is treated as possibly hostile: sizes are checked before anything is allocated,
// and a damaged file becomes an ImageError, never a crash.
#include "platform/image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

#include <stb_image.h>
#include <stb_image_write.h>
#include <webp/decode.h>

namespace cate {
namespace {

/// Image files bigger than this are refused before they are read.
constexpr long long kMaxImageFileBytes = 64LL * 1024 * 1024;

using ImageResult = Result<GreyImage, ImageError>;

Err<ImageError> fail(ImageError::Kind kind, std::string message) {
  return Err{ImageError{kind, std::move(message)}};
}

std::string name_of(std::string_view name) {
  return name.empty() ? std::string("image") : std::string(name);
}

/// Integer BT.601 luma, rounded: the same weights a camera's Y channel uses.
std::uint8_t luma(unsigned r, unsigned g, unsigned b) {
  return static_cast<std::uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8);
}

/// A pixel with coverage `alpha` over white paper (transparent areas of a PNG are paper).
std::uint8_t over_white(unsigned grey, unsigned alpha) {
  return static_cast<std::uint8_t>((grey * alpha + 255 * (255 - alpha) + 127) / 255);
}

bool starts_with(std::string_view bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && bytes.substr(0, magic.size()) == magic;
}

enum class Format { Png, Jpeg, WebP, Pgm, Unknown };

Format sniff(std::string_view b) {
  if (starts_with(b, std::string_view("\x89PNG\r\n\x1a\n", 8))) return Format::Png;
  if (starts_with(b, std::string_view("\xff\xd8\xff", 3))) return Format::Jpeg;
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WEBP") return Format::WebP;
  if (b.size() >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '2') &&
      (b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r' || b[2] == '#'))
    return Format::Pgm;
  return Format::Unknown;
}

// --- PNG and JPEG (stb_image) -----------------------------------------------------------------

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at])) << 8) | static_cast<std::uint8_t>(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }

struct Size {
  long long width, height;
};

/// The size a PNG's header claims (its first chunk must be IHDR), read without decoding.
std::optional<Size> png_claimed_size(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return Size{be32(b, 16), be32(b, 20)};
}

/// The size a JPEG's frame header (SOFn) claims, found by walking the markers before it.
std::optional<Size> jpeg_claimed_size(std::string_view b) {
  std::size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (static_cast<std::uint8_t>(b[pos]) != 0xff) return std::nullopt;
    const auto marker = static_cast<std::uint8_t>(b[pos + 1]);
    if (marker == 0xff) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {  // markers without a length
      pos += 2;
      continue;
    }
    const std::size_t length = be16(b, pos + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
      if (pos + 9 > b.size()) return std::nullopt;
      return Size{be16(b, pos + 7), be16(b, pos + 5)};
    }
    if (marker == 0xda || marker == 0xd9 || length < 2) return std::nullopt;
    pos += 2 + length;
  }
  return std::nullopt;
}

ImageResult decode_stb(std::string_view bytes, const std::string& name, const char* kind) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return fail(ImageError::Kind::TooLarge, name + ": the file is too large");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  auto too_large = [&](long long w, long long h) {
    return fail(ImageError::Kind::TooLarge, name + ": the image is too large (" + std::to_string(w) + "x" +
                                                std::to_string(h) + " pixels)");
  };
  // The size is checked from the header first: stb_image refuses some huge sizes itself, but
  // then only says the data is of no known type.
  const auto claimed = std::string_view(kind) == "PNG" ? png_claimed_size(bytes) : jpeg_claimed_size(bytes);
  if (claimed && claimed->width * claimed->height > kMaxImagePixels) return too_large(claimed->width, claimed->height);
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(data, size, &w, &h, &channels)) {
    const char* why = stbi_failure_reason();
    return fail(ImageError::Kind::Corrupt, name + ": the " + kind + " data is damaged (" +
                                               (why ? why : "unreadable header") + ")");
  }
  if (w <= 0 || h <= 0)
    return fail(ImageError::Kind::Corrupt, name + ": the " + kind + " data is damaged (no pixels)");
  if (static_cast<long long>(w) * h > kMaxImagePixels) return too_large(w, h);
  // Grey plus alpha, so transparent areas can be laid on white paper.
  int dw = 0, dh = 0, dc = 0;
  stbi_uc* pixels = stbi_load_from_memory(data, size, &dw, &dh, &dc, 2);
  if (!pixels) {
    const char* why = stbi_failure_reason();
    return fail(ImageError::Kind::Corrupt, name + ": the " + kind + " data is damaged (" +
                                               (why ? why : "cannot decode") + ")");
  }
  if (dw != w || dh != h) {
    stbi_image_free(pixels);
    return fail(ImageError::Kind::Corrupt, name + ": the " + kind + " data is damaged (size mismatch)");
  }
  GreyImage out;
  out.width = w;
  out.height = h;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  out.pixels.resize(n);
  for (std::size_t i = 0; i < n; ++i) out.pixels[i] = over_white(pixels[2 * i], pixels[2 * i + 1]);
  stbi_image_free(pixels);
  return out;
}

// --- WebP (libwebp) ---------------------------------------------------------------------------

ImageResult decode_webp(std::string_view bytes, const std::string& name) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  int w = 0, h = 0;
  if (!WebPGetInfo(data, bytes.size(), &w, &h) || w <= 0 || h <= 0)
    return fail(ImageError::Kind::Corrupt, name + ": the WebP data is damaged (unreadable header)");
  if (static_cast<long long>(w) * h > kMaxImagePixels)
    return fail(ImageError::Kind::TooLarge, name + ": the image is too large (" + std::to_string(w) +
                                                "x" + std::to_string(h) + " pixels)");
  int dw = 0, dh = 0;
  std::uint8_t* rgba = WebPDecodeRGBA(data, bytes.size(), &dw, &dh);
  if (!rgba) return fail(ImageError::Kind::Corrupt, name + ": the WebP data is damaged (cannot decode)");
  if (dw != w || dh != h) {
    WebPFree(rgba);
    return fail(ImageError::Kind::Corrupt, name + ": the WebP data is damaged (size mismatch)");
  }
  GreyImage out;
  out.width = w;
  out.height = h;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  out.pixels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = rgba + 4 * i;
    out.pixels[i] = over_white(luma(p[0], p[1], p[2]), p[3]);
  }
  WebPFree(rgba);
  return out;
}

// --- PGM (P5 binary, P2 text) -----------------------------------------------------------------

/// A strict reader of the Netpbm grey format: header "P5"/"P2", width, height, maxval
/// (1..65535), separated by white space with "#" comments allowed in the header.
class PgmReader {
 public:
  explicit PgmReader(std::string_view b) : b_(b) {}

  ImageResult read(const std::string& name) {
    auto damaged = [&](const std::string& why) {
      return fail(ImageError::Kind::Corrupt, name + ": the PGM data is damaged (" + why + ")");
    };
    const bool binary = b_[1] == '5';
    pos_ = 2;
    auto w = header_number();
    auto h = header_number();
    auto maxval = header_number();
    if (!w || !h || !maxval) return damaged("bad header");
    if (*w == 0 || *h == 0) return damaged("no pixels");
    if (*maxval == 0 || *maxval > 65535) return damaged("maxval must be 1 to 65535");
    if (*w > kMaxImagePixels || *h > kMaxImagePixels || *w * *h > kMaxImagePixels)
      return fail(ImageError::Kind::TooLarge, name + ": the image is too large (" + std::to_string(*w) +
                                                  "x" + std::to_string(*h) + " pixels)");
    const std::size_t n = static_cast<std::size_t>(*w * *h);
    const long long mv = *maxval;
    auto scale = [mv](long long v) { return static_cast<std::uint8_t>((v * 255 + mv / 2) / mv); };

    GreyImage out;
    out.width = static_cast<int>(*w);
    out.height = static_cast<int>(*h);
    if (binary) {
      // Exactly one white-space character separates the header from the samples.
      if (pos_ >= b_.size() || !is_space(b_[pos_])) return damaged("bad header");
      ++pos_;
      const std::size_t bytes_per = mv > 255 ? 2 : 1;
      if ((b_.size() - pos_) / bytes_per < n) return damaged("the file is cut short");
      out.pixels.resize(n);
      const auto* p = reinterpret_cast<const std::uint8_t*>(b_.data() + pos_);
      for (std::size_t i = 0; i < n; ++i) {
        const long long v = bytes_per == 2 ? (p[2 * i] << 8) | p[2 * i + 1] : p[i];
        if (v > mv) return damaged("a sample is above maxval");
        out.pixels[i] = scale(v);
      }
    } else {
      // Text samples: at least one character each, so a file too short for the size is refused
      // before anything is allocated.
      if ((b_.size() - pos_) / 2 + 1 < n) return damaged("the file is cut short");
      out.pixels.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        skip_space(false);
        auto v = number();
        if (!v) return damaged(pos_ >= b_.size() ? "the file is cut short" : "a sample is not a number");
        if (*v > mv) return damaged("a sample is above maxval");
        out.pixels[i] = scale(*v);
      }
    }
    return out;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

  void skip_space(bool comments) {
    while (pos_ < b_.size()) {
      if (is_space(b_[pos_])) {
        ++pos_;
      } else if (comments && b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  /// A decimal number of at most 9 digits (nothing larger is a sensible dimension or sample).
  std::optional<long long> number() {
    long long v = 0;
    std::size_t digits = 0;
    while (pos_ < b_.size() && b_[pos_] >= '0' && b_[pos_] <= '9') {
      if (++digits > 9) return std::nullopt;
      v = v * 10 + (b_[pos_] - '0');
      ++pos_;
    }
    if (digits == 0) return std::nullopt;
    return v;
  }

  std::optional<long long> header_number() {
    const std::size_t before = pos_;
    skip_space(true);
    if (pos_ == before) return std::nullopt;  // fields must be separated
    return number();
  }

  std::string_view b_;
  std::size_t pos_ = 0;
};

// --- files ------------------------------------------------------------------------------------

bool write_all(const std::string& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return (std::fclose(f) == 0) && ok;
}

void append_to_string(void* context, void* data, int size) {
  auto* out = static_cast<std::string*>(context);
  out->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool valid(const GreyImage& image) {
  return image.width > 0 && image.height > 0 &&
         image.pixels.size() >= static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
}

}  // namespace

Result<GreyImage, ImageError> decode_image(std::string_view bytes, std::string_view name_for_messages) {
  const std::string name = name_of(name_for_messages);
  if (bytes.empty()) return fail(ImageError::Kind::Empty, name + ": the file is empty");
  switch (sniff(bytes)) {
    case Format::Png: return decode_stb(bytes, name, "PNG");
    case Format::Jpeg: return decode_stb(bytes, name, "JPEG");
    case Format::WebP: return decode_webp(bytes, name);
    case Format::Pgm: return PgmReader(bytes).read(name);
    case Format::Unknown: break;
  }
  return fail(ImageError::Kind::UnknownFormat, name + ": not a PNG, JPEG, WebP or PGM image");
}

Result<GreyImage, ImageError> read_image_file(const std::string& path) {
  auto cannot_open = [&](int err) {
    return fail(ImageError::Kind::CannotOpen, "cannot open " + path + ": " + std::strerror(err));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot_open(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return cannot_open(err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return cannot_open(EISDIR);
  }
  auto too_large = [&] {
    return fail(ImageError::Kind::TooLarge,
                path + ": the file is too large (at most " + std::to_string(kMaxImageFileBytes / (1024 * 1024)) +
                    " MiB)");
  };
  if (S_ISREG(st.st_mode) && st.st_size > kMaxImageFileBytes) {
    ::close(fd);
    return too_large();
  }
  // Read to the end, whatever stat said (a pipe has no size), stopping one byte past the cap.
  std::string bytes;
  bytes.reserve(S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0);
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return cannot_open(err);
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
    if (static_cast<long long>(bytes.size()) > kMaxImageFileBytes) {
      ::close(fd);
      return too_large();
    }
  }
  ::close(fd);
  return decode_image(bytes, path);
}

std::string encode_png(const GreyImage& image) {
  std::string out;
  if (!valid(image)) return out;
  if (!stbi_write_png_to_func(append_to_string, &out, image.width, image.height, 1, image.pixels.data(),
                              image.width))
    out.clear();
  return out;
}

bool write_png(const std::string& path, const GreyImage& image) {
  const std::string png = encode_png(image);
  return !png.empty() && write_all(path, png);
}

bool write_pgm(const std::string& path, const GreyImage& image) {
  if (!valid(image)) return false;
  std::string out = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  out.append(reinterpret_cast<const char*>(image.pixels.data()),
             static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height));
  return write_all(path, out);
}

}  // namespace cate

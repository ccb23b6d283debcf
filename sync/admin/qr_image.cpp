// Drawing QR codes for tickets and enrolment codes: libqrencode makes the modules, this file
// lays them out as a grey image (PNG), an SVG document, or terminal text.
#include "sync/admin/qr_image.hpp"

#include <qrencode.h>

#include <algorithm>

namespace cate {
namespace {

/// Modules of light margin around the code, as the QR standard asks.
constexpr int kQuietZone = 4;

}  // namespace

std::optional<QrCode> encode_qr(const std::string& text) {
  if (text.empty()) return std::nullopt;
  // Mode hint 8-bit with case sensitivity: libqrencode still splits the text into the most
  // compact modes, so ticket text (upper case, digits, '-') goes in alphanumeric mode.
  QRcode* code = text.find('\0') == std::string::npos
                     ? QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1)
                     : QRcode_encodeData(static_cast<int>(text.size()),
                                         reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  if (!code) return std::nullopt;
  QrCode out;
  out.version = code->version;
  out.modules = code->width;
  const std::size_t n = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
  out.dark.resize(n);
  for (std::size_t i = 0; i < n; ++i) out.dark[i] = (code->data[i] & 1) != 0;
  QRcode_free(code);
  return out;
}

GreyImage qr_to_image(const QrCode& qr, int scale) {
  scale = std::max(scale, 1);
  const int side = (qr.modules + 2 * kQuietZone) * scale;
  GreyImage image;
  image.width = side;
  image.height = side;
  image.pixels.assign(static_cast<std::size_t>(side) * side, 255);
  for (int my = 0; my < qr.modules; ++my)
    for (int mx = 0; mx < qr.modules; ++mx) {
      if (!qr.dark[static_cast<std::size_t>(my) * qr.modules + mx]) continue;
      const int x0 = (mx + kQuietZone) * scale, y0 = (my + kQuietZone) * scale;
      for (int y = y0; y < y0 + scale; ++y)
        std::fill_n(image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * side + x0, scale, std::uint8_t{0});
    }
  return image;
}

std::string qr_to_svg(const QrCode& qr, int scale) {
  scale = std::max(scale, 1);
  const int side = qr.modules + 2 * kQuietZone;  // in modules: the viewBox unit is one module
  const std::string s = std::to_string(side), px = std::to_string(side * scale);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px + "\" height=\"" + px +
                    "\" viewBox=\"0 0 " + s + " " + s + "\" shape-rendering=\"crispEdges\">\n";
  svg += "<rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#ffffff\"/>\n";
  svg += "<path fill=\"#000000\" d=\"";
  // One rectangle per horizontal run of dark modules.
  for (int my = 0; my < qr.modules; ++my) {
    int mx = 0;
    while (mx < qr.modules) {
      if (!qr.dark[static_cast<std::size_t>(my) * qr.modules + mx]) {
        ++mx;
        continue;
      }
      int run = 0;
      while (mx + run < qr.modules && qr.dark[static_cast<std::size_t>(my) * qr.modules + mx + run]) ++run;
      const std::string r = std::to_string(run);
      svg += "M" + std::to_string(mx + kQuietZone) + " " + std::to_string(my + kQuietZone) + "h" + r + "v1h-" + r + "z";
      mx += run;
    }
  }
  svg += "\"/>\n</svg>\n";
  return svg;
}

std::string qr_to_text(const QrCode& qr) {
  // Terminals are usually light text on a dark background, and a QR code must be dark modules
  // on light. So the *light* modules (and the quiet zone) are printed as block glyphs in the
  // text colour and the dark modules are left as spaces, showing the dark background. On a
  // light-background terminal this shows as an inverted code, which most phone readers also
  // accept. Each character holds two module rows: upper half "▀", lower half "▄", both "█".
  const int side = qr.modules + 2 * kQuietZone;
  auto light = [&](int x, int y) {
    const int mx = x - kQuietZone, my = y - kQuietZone;
    if (mx < 0 || my < 0 || mx >= qr.modules || my >= qr.modules) return true;  // quiet zone
    return !qr.dark[static_cast<std::size_t>(my) * qr.modules + mx];
  };
  std::string text;
  for (int y = 0; y < side; y += 2) {
    for (int x = 0; x < side; ++x) {
      const bool top = light(x, y);
      const bool bottom = y + 1 < side ? light(x, y + 1) : true;  // odd side: one more light row
      text += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    text += '\n';
  }
  return text;
}

}  // namespace cate

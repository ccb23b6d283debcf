// Drawing QR codes (libqrencode) and reading them back (ZXing); reading image files of every
// supported kind, and refusing damaged or hostile ones with a clear error and no crash.
#include <doctest/doctest.h>

#include <stb_image_write.h>
#include <webp/encode.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/ticket.hpp"

using namespace cate;

namespace {

std::string a_ticket() {
  Ticket t;
  t.meeting = MeetingId{0x0123456789abcdefULL};
  t.rsvp = RsvpId{0xfedcba9876543210ULL};
  t.serial = 2;
  t.not_before = 1893510000;
  t.not_after = 1893517200;
  return issue_ticket(t, SecretKey::generate());
}

GreyImage gradient(int w, int h) {
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) im.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>((x * 7 + y * 13) & 0xff);
  return im;
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::string jpeg_of(const GreyImage& im, int quality) {
  std::string out;
  stbi_write_jpg_to_func(append_bytes, &out, im.width, im.height, 1, im.pixels.data(), quality);
  return out;
}

std::string webp_lossless_of(const std::vector<std::uint8_t>& rgb, int w, int h) {
  std::uint8_t* out = nullptr;
  const std::size_t size = WebPEncodeLosslessRGB(rgb.data(), w, h, w * 3, &out);
  std::string bytes(reinterpret_cast<const char*>(out), size);
  WebPFree(out);
  return bytes;
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

void put_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

/// A PNG that is only a signature and a header claiming `w` x `h` 8-bit grey pixels.
std::string png_header_only(std::uint32_t w, std::uint32_t h) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string chunk = "IHDR";
  put_be32(chunk, w);
  put_be32(chunk, h);
  chunk += std::string("\x08\x00\x00\x00\x00", 5);  // 8 bits, grey, deflate, no filter, no interlace
  put_be32(png, 13);
  png += chunk;
  put_be32(png, crc32(chunk));
  return png;
}

/// Counts UTF-8 code points.
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

}  // namespace

// --- QR drawing and reading ------------------------------------------------------------------

TEST_CASE("qr image: texts survive libqrencode -> image -> ZXing") {
  const std::vector<std::string> texts = {
      a_ticket(),
      "https://example.org/rsvp?meeting=0123456789abcdef&lang=es",
      "Se\xc3\xb1ora N\xc3\xba\xc3\xb1\x65z \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x8e\x89 \xe2\x98\x95",  // UTF-8, emoji
      "lower case and Mixed Case text: 12345",
      std::string(400, 'Q') + "0123456789",
      "x",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    const auto qr = encode_qr(text);
    REQUIRE(qr.has_value());
    CHECK(qr->modules == 17 + 4 * qr->version);
    CHECK(qr->dark.size() == static_cast<std::size_t>(qr->modules * qr->modules));
    for (int scale : {2, 5}) {
      const auto read = decode_qr(qr_to_image(*qr, scale), DecodeEffort::Fast);
      REQUIRE(read.text.has_value());
      CHECK(*read.text == text);
    }
  }
}

TEST_CASE("qr image: a ticket is encoded in alphanumeric mode at level M") {
  const std::string ticket = a_ticket();
  REQUIRE(ticket.size() == kTicketTextLength);  // 154 characters
  const auto qr = encode_qr(ticket);
  REQUIRE(qr.has_value());
  // 154 alphanumeric characters at level M fit version 6 exactly (6-M holds 154); in byte
  // mode they would need version 9. So version 6 also proves alphanumeric mode was used.
  CHECK(qr->version == 6);
  CHECK(qr->modules == 41);
}

TEST_CASE("qr image: nothing to encode gives no code") {
  CHECK_FALSE(encode_qr("").has_value());
  CHECK_FALSE(encode_qr(std::string(8000, 'a')).has_value());  // beyond version 40
}

TEST_CASE("qr image: the grey image has a quiet zone and black-on-white modules") {
  const auto qr = encode_qr("HELLO");
  REQUIRE(qr.has_value());
  const int scale = 3;
  const GreyImage im = qr_to_image(*qr, scale);
  CHECK(im.width == (qr->modules + 8) * scale);
  CHECK(im.height == im.width);
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      const int mx = x / scale - 4, my = y / scale - 4;
      const bool inside = mx >= 0 && my >= 0 && mx < qr->modules && my < qr->modules;
      const bool dark = inside && qr->dark[static_cast<std::size_t>(my) * qr->modules + mx];
      REQUIRE(im.at(x, y) == (dark ? 0 : 255));
    }
  CHECK(im.at(4 * scale, 4 * scale) == 0);  // the top-left finder pattern's corner
}

TEST_CASE("qr image: SVG is one path of the dark modules") {
  const auto qr = encode_qr(a_ticket());
  REQUIRE(qr.has_value());
  const std::string svg = qr_to_svg(*qr, 6);
  const std::string side = std::to_string(qr->modules + 8);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(svg.find("viewBox=\"0 0 " + side + " " + side + "\"") != std::string::npos);
  CHECK(svg.find("width=\"" + std::to_string((qr->modules + 8) * 6) + "\"") != std::string::npos);
  CHECK(svg.find("shape-rendering=\"crispEdges\"") != std::string::npos);
  CHECK(svg.find("fill=\"#ffffff\"") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);
  const auto first = svg.find("<path");
  REQUIRE(first != std::string::npos);
  CHECK(svg.find("<path", first + 1) == std::string::npos);

  // Draw the path's rectangles ("Mx yhNv1h-Nz") back onto a module grid: it must be the code.
  const auto d0 = svg.find(" d=\"", first) + 4;
  const auto d1 = svg.find('"', d0);
  const std::string d = svg.substr(d0, d1 - d0);
  std::vector<bool> grid(qr->dark.size(), false);
  std::size_t pos = 0;
  int rects = 0;
  while (pos < d.size()) {
    int x = 0, y = 0, n = 0, n2 = 0;
    int used = 0;
    REQUIRE(std::sscanf(d.c_str() + pos, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used) == 4);
    REQUIRE(used > 0);
    CHECK(n == n2);
    for (int i = 0; i < n; ++i) {
      const int mx = x - 4 + i, my = y - 4;
      REQUIRE((mx >= 0 && my >= 0 && mx < qr->modules && my < qr->modules));
      grid[static_cast<std::size_t>(my) * qr->modules + mx] = true;
    }
    pos += static_cast<std::size_t>(used);
    ++rects;
  }
  CHECK(rects > 0);
  CHECK(grid == qr->dark);
}

TEST_CASE("qr image: terminal text is two module rows a line, light printed, with quiet zone") {
  const auto qr = encode_qr(a_ticket());
  REQUIRE(qr.has_value());
  const std::string text = qr_to_text(*qr);
  const int side = qr->modules + 8;
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const auto nl = text.find('\n', start);
    REQUIRE(nl != std::string::npos);  // every line ends with a newline
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  REQUIRE(lines.size() == static_cast<std::size_t>((side + 1) / 2));
  const std::string full = "\u2588", upper = "\u2580", lower = "\u2584";
  for (std::size_t row = 0; row < lines.size(); ++row) {
    CAPTURE(row);
    REQUIRE(code_points(lines[row]) == static_cast<std::size_t>(side));
    // Decode each glyph back into two modules: printed = light, blank = dark.
    std::size_t pos = 0;
    for (int x = 0; x < side; ++x) {
      bool top = false, bottom = false;
      if (lines[row].compare(pos, 3, full) == 0) top = bottom = true, pos += 3;
      else if (lines[row].compare(pos, 3, upper) == 0) top = true, pos += 3;
      else if (lines[row].compare(pos, 3, lower) == 0) bottom = true, pos += 3;
      else REQUIRE(lines[row][pos++] == ' ');
      for (int half = 0; half < 2; ++half) {
        const int y = static_cast<int>(row) * 2 + half;
        const bool light = half == 0 ? top : bottom;
        const int mx = x - 4, my = y - 4;
        if (y >= side) {
          CHECK(light);  // the padding row under an odd-sized code is light too
        } else if (mx < 0 || my < 0 || mx >= qr->modules || my >= qr->modules) {
          CHECK(light);  // quiet zone
        } else {
          CHECK(light == !qr->dark[static_cast<std::size_t>(my) * qr->modules + mx]);
        }
      }
    }
  }
}

// --- image files -----------------------------------------------------------------------------

TEST_CASE("image: PNG round trip is exact") {
  const GreyImage im = gradient(37, 23);
  const std::string png = encode_png(im);
  REQUIRE(png.size() > 8);
  auto back = decode_image(png, "g.png");
  REQUIRE(back.ok());
  CHECK(back->width == 37);
  CHECK(back->height == 23);
  CHECK(back->pixels == im.pixels);
}

TEST_CASE("image: transparent PNG pixels are white paper") {
  // Two pixels, grey + alpha: black opaque, black fully transparent.
  const std::uint8_t ga[] = {0, 255, 0, 0};
  std::string png;
  REQUIRE(stbi_write_png_to_func(append_bytes, &png, 2, 1, 2, ga, 4));
  auto back = decode_image(png, "alpha.png");
  REQUIRE(back.ok());
  CHECK(back->pixels == std::vector<std::uint8_t>{0, 255});
}

TEST_CASE("image: PGM P5 and P2, comments and 16-bit samples") {
  SUBCASE("P5 8-bit with a comment") {
    const std::string pgm = std::string("P5\n# made by hand\n3 2\n255\n") + std::string("\x00\x10\x20\x30\x40\xff", 6);
    auto im = decode_image(pgm, "a.pgm");
    REQUIRE(im.ok());
    CHECK(im->width == 3);
    CHECK(im->height == 2);
    CHECK(im->pixels == std::vector<std::uint8_t>{0x00, 0x10, 0x20, 0x30, 0x40, 0xff});
  }
  SUBCASE("P5 16-bit is scaled to 8 bits") {
    const std::string pgm = std::string("P5 2 1 65535\n") + std::string("\x00\x00\xff\xff", 4);
    auto im = decode_image(pgm, "b.pgm");
    REQUIRE(im.ok());
    CHECK(im->pixels == std::vector<std::uint8_t>{0, 255});
  }
  SUBCASE("P2 with maxval 15") {
    auto im = decode_image("P2\n3 2\n15\n0 5 10\n15 7   1\n", "c.pgm");
    REQUIRE(im.ok());
    CHECK(im->pixels == std::vector<std::uint8_t>{0, 85, 170, 255, 119, 17});
  }
  SUBCASE("write_pgm then read_image_file") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("cate-test-qr-image-" + std::to_string(std::random_device{}()) + ".pgm");
    const GreyImage g = gradient(20, 9);
    REQUIRE(write_pgm(path.string(), g));
    auto im = read_image_file(path.string());
    std::filesystem::remove(path);
    REQUIRE(im.ok());
    CHECK(im->pixels == g.pixels);
  }
}

TEST_CASE("image: JPEG decodes close to the original, and a JPEG ticket still reads") {
  const GreyImage g = gradient(64, 48);
  const std::string jpg = jpeg_of(g, 95);
  REQUIRE(jpg.size() > 3);
  auto im = decode_image(jpg, "photo.png");  // the name does not matter, the bytes do
  REQUIRE(im.ok());
  REQUIRE(im->width == 64);
  REQUIRE(im->height == 48);
  int worst = 0;
  for (std::size_t i = 0; i < g.pixels.size(); ++i) worst = std::max(worst, std::abs(g.pixels[i] - im->pixels[i]));
  CHECK(worst < 40);

  const std::string ticket = a_ticket();
  const auto qr = encode_qr(ticket);
  REQUIRE(qr.has_value());
  auto photo = decode_image(jpeg_of(qr_to_image(*qr, 4), 60), "ticket.jpg");
  REQUIRE(photo.ok());
  CHECK(decode_qr(*photo).text == ticket);
}

TEST_CASE("image: WebP lossless decodes to BT.601 luma") {
  // Grey pixels stay exactly themselves; pure colours get their luma weights.
  std::vector<std::uint8_t> rgb = {0, 0, 0, 128, 128, 128, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255};
  auto im = decode_image(webp_lossless_of(rgb, 6, 1), "c.webp");
  REQUIRE(im.ok());
  CHECK(im->width == 6);
  CHECK(im->pixels == std::vector<std::uint8_t>{0, 128, 255, 77, 149, 29});

  const std::string ticket = a_ticket();
  const auto qr = encode_qr(ticket);
  REQUIRE(qr.has_value());
  const GreyImage code = qr_to_image(*qr, 3);
  std::vector<std::uint8_t> code_rgb;
  for (auto p : code.pixels) code_rgb.insert(code_rgb.end(), {p, p, p});
  auto back = decode_image(webp_lossless_of(code_rgb, code.width, code.height), "t.webp");
  REQUIRE(back.ok());
  CHECK(back->pixels == code.pixels);
  CHECK(decode_qr(*back).text == ticket);
}

// --- refusing bad input ----------------------------------------------------------------------

TEST_CASE("image: empty, unknown and damaged files give clear errors") {
  SUBCASE("empty") {
    auto r = decode_image("", "x.png");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::Empty);
    CHECK(r.error().message == "x.png: the file is empty");
  }
  SUBCASE("text named .png") {
    auto r = decode_image("hello, this is not an image\n", "x.png");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::UnknownFormat);
    CHECK(r.error().message == "x.png: not a PNG, JPEG, WebP or PGM image");
  }
  SUBCASE("truncated PNG") {
    const std::string png = encode_png(gradient(50, 50));
    auto r = decode_image(png.substr(0, png.size() / 2), "x.png");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::Corrupt);
    CHECK(r.error().message.rfind("x.png: the PNG data is damaged (", 0) == 0);
  }
  SUBCASE("PNG header claiming 100000 x 100000 pixels") {
    auto r = decode_image(png_header_only(100000, 100000), "huge.png");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::TooLarge);
    CHECK(r.error().message.rfind("huge.png: ", 0) == 0);
  }
  SUBCASE("JPEG frame header claiming 60000 x 60000 pixels") {
    auto r = decode_image(std::string("\xff\xd8\xff\xc0\x00\x0b\x08\xea\x60\xea\x60\x01\x01\x11\x00", 15), "huge.jpg");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::TooLarge);
    CHECK(r.error().message == "huge.jpg: the image is too large (60000x60000 pixels)");
  }
  SUBCASE("PNG header with a sane size but no pixel data") {
    auto r = decode_image(png_header_only(100, 100), "x.png");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::Corrupt);
  }
  SUBCASE("PGM with absurd dimensions") {
    auto r = decode_image("P5\n999999999 999999999\n255\n", "x.pgm");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::TooLarge);
    auto r2 = decode_image("P5\n99999999999999999999 2\n255\n", "x.pgm");
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().kind == ImageError::Kind::Corrupt);
  }
  SUBCASE("PGM with maxval 0, zero width, or too few samples") {
    for (const std::string& pgm : {std::string("P5 2 2 0\n\x01\x01\x01\x01", 13), std::string("P5 0 2 255\n"),
                                  std::string("P5 2 2 255\n\x01\x01\x01"), std::string("P2 2 2 255\n1 2 3"),
                                  std::string("P2 2 1 10\n1 11\n"), std::string("P2 2 1 10\n1 x\n"),
                                  std::string("P5 2 2 70000\n12345678"), std::string("P5\n2 2\n")}) {
      CAPTURE(pgm);
      auto r = decode_image(pgm, "x.pgm");
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == ImageError::Kind::Corrupt);
      CHECK(r.error().message.rfind("x.pgm: the PGM data is damaged (", 0) == 0);
    }
  }
  SUBCASE("JPEG and WebP magic with garbage after it") {
    auto j = decode_image(std::string("\xff\xd8\xff\xe0garbage garbage garbage", 27), "x.jpg");
    REQUIRE_FALSE(j.ok());
    CHECK(j.error().kind == ImageError::Kind::Corrupt);
    CHECK(j.error().message.rfind("x.jpg: the JPEG data is damaged (", 0) == 0);
    auto w = decode_image(std::string("RIFF\x10\x00\x00\x00WEBPVP8 garbage", 23), "x.webp");
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().kind == ImageError::Kind::Corrupt);
  }
  SUBCASE("missing file and directory") {
    const std::string missing = (std::filesystem::temp_directory_path() / "cate-no-such-image-file.png").string();
    auto r = read_image_file(missing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ImageError::Kind::CannotOpen);
    CHECK(r.error().message == "cannot open " + missing + ": No such file or directory");
    auto d = read_image_file(std::filesystem::temp_directory_path().string());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().kind == ImageError::Kind::CannotOpen);
  }
}

TEST_CASE("image: cut-short and scrambled files never crash the reader") {
  const GreyImage g = gradient(40, 30);
  std::vector<std::uint8_t> rgb;
  for (auto p : g.pixels) rgb.insert(rgb.end(), {p, p, p});
  const std::vector<std::string> good = {encode_png(g), jpeg_of(g, 80), webp_lossless_of(rgb, 40, 30),
                                         "P2 3 1 255\n1 2 3\n"};
  std::mt19937 rng(1234);
  int refused = 0;
  for (const auto& file : good) {
    REQUIRE(decode_image(file, "good").ok());
    for (std::size_t cut = 0; cut < file.size(); cut += std::max<std::size_t>(1, file.size() / 97)) {
      auto r = decode_image(std::string_view(file).substr(0, cut), "cut");
      if (!r.ok()) {
        ++refused;
        CHECK_FALSE(r.error().message.empty());
      }
    }
    for (int round = 0; round < 200; ++round) {
      std::string bad = file;
      // Keep the magic bytes, scramble a few bytes after them.
      for (int k = 0; k < 4; ++k) bad[12 + rng() % (bad.size() - 12)] = static_cast<char>(rng());
      auto r = decode_image(bad, "scrambled");
      if (r.ok()) CHECK(r->pixels.size() == static_cast<std::size_t>(r->width) * r->height);
    }
  }
  CHECK(refused > 0);
}

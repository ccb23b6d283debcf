// How well and how fast the kiosk reads QR codes, against plain ZXing-C++ and zbar, all in one
// run on the very same grey frames.
//
// Readers:
//   live      LiveDecoder, the camera path. A person holds a code up for many frames; here each
//             frame with a code is shown to it twice in a row (two frames, 67 ms at 30 fps) and
//             counts as read when either frame was read ("1st" is the first frame alone). Empty
//             frames are a stream of their own; their cost is the mean over the stream, since
//             extra tries run on alternate frames.
//   thorough  decode_qr Thorough, the file path.
//   zxing     ZXing::ReadBarcode with default hints (every format): the baseline of the goals.
//   zxing-qr  the same with the QR format only (for reference).
//   zbar      zbar 0.23, QR only, on the same grey frames.
//
// Sets:
//   1. generated camera-like frames, 640x480 and 1280x720: a cluttered, noisy room; codes of QR
//      versions 2 to 6 (tickets are version 6; enrolment codes and links smaller), 1.5 to 15
//      pixels a module, any rotation, perspective, blur, noise, dim contrast, glare on a third,
//      light-on-dark (a phone in dark mode) on a tenth;
//   2. a folder of real photographs (qrcode-*/NAME.{png,jpg,webp} with the expected text in
//      NAME.txt; falsepositives-*/ with no code), when given.
//
//   bench_decode [PHOTO_FOLDER]
//   CATE_BENCH_FRAMES=N bench_decode   N frames with a code a size (default 200)
//   CATE_BENCH_DUMP=FOLDER bench_decode   also writes a dozen 1280x720 frames with a code there as PNG
// zbar first: ZXing's error macros would clash with zbar's C++ exception classes.
#include <zbar.h>

#include <ReadBarcode.h>
#include <qrencode.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kiosk/scan/decode.hpp"
#include "kiosk/scan/image_ops.hpp"
#include "kiosk/scan/live_decode.hpp"
#include "platform/image.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/ticket.hpp"
#include "tests/integration/image_distort.hpp"

namespace fs = std::filesystem;
using namespace cate;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::clamp(p * static_cast<double>(v.size() - 1) + 0.5, 0.0, v.size() - 1.0));
  return v[i];
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// ---- the readers ----------------------------------------------------------------------------

std::optional<std::string> zxing_plain(const GreyImage& im, bool qr_only) {
  ZXing::DecodeHints hints;  // defaults: every format, try harder, rotate, downscale
  if (qr_only) hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const auto r = ZXing::ReadBarcode(ZXing::ImageView(im.pixels.data(), im.width, im.height, ZXing::ImageFormat::Lum), hints);
  if (r.isValid() && r.format() == ZXing::BarcodeFormat::QRCode) return r.text();
  return std::nullopt;
}

/// zbar set to QR codes only, reused across frames as an application would.
class Zbar {
 public:
  Zbar() : scanner_(zbar::zbar_image_scanner_create()) {
    zbar::zbar_image_scanner_set_config(scanner_, zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
    zbar::zbar_image_scanner_set_config(scanner_, zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
  }
  ~Zbar() { zbar::zbar_image_scanner_destroy(scanner_); }
  Zbar(const Zbar&) = delete;
  Zbar& operator=(const Zbar&) = delete;
  std::optional<std::string> read(const GreyImage& im) {
    zbar::zbar_image_t* image = zbar::zbar_image_create();
    zbar::zbar_image_set_format(image, zbar_fourcc('Y', '8', '0', '0'));
    zbar::zbar_image_set_size(image, static_cast<unsigned>(im.width), static_cast<unsigned>(im.height));
    zbar::zbar_image_set_data(image, im.pixels.data(), im.pixels.size(), nullptr);
    std::optional<std::string> out;
    if (zbar::zbar_scan_image(scanner_, image) > 0)
      for (const zbar::zbar_symbol_t* s = zbar::zbar_image_first_symbol(image); s; s = zbar::zbar_symbol_next(s))
        if (zbar::zbar_symbol_get_type(s) == zbar::ZBAR_QRCODE) {
          out = std::string(zbar::zbar_symbol_get_data(s), zbar::zbar_symbol_get_data_length(s));
          break;
        }
    zbar::zbar_image_destroy(image);
    return out;
  }

 private:
  zbar::zbar_image_scanner_t* scanner_;
};

enum Reader { Live, Thorough, Zx, ZxQr, ZbarQr, Readers };
const char* const reader_names[Readers] = {"live (LiveDecoder)", "thorough (decode_qr)", "zxing ReadBarcode defaults",
                                           "zxing ReadBarcode QR only", "zbar (QR only)"};

/// One reader's tally on one set.
struct Tally {
  std::vector<double> code_ms, empty_ms;
  int codes = 0, read = 0, read_first = 0, wrong = 0, empties = 0, false_reads = 0;
};

/// Reads one image with every reader, the live one `shows` times in a row.
struct Bench {
  LiveDecoder live_codes, live_empty;
  Zbar zbar;

  /// (read text, ms) of one reader on one image; `first` gets the live path's first frame alone.
  std::optional<std::string> read(Reader r, const GreyImage& im, bool has_code, double& ms,
                                  std::optional<std::string>* first = nullptr) {
    const auto t0 = Clock::now();
    std::optional<std::string> text;
    switch (r) {
      case Live:
        if (has_code) {  // two frames of the same view; the time is per frame
          text = live_codes.read(im).text;
          if (first) *first = text;
          if (!text) text = live_codes.read(im).text;
          else (void)live_codes.read(im);  // the second frame comes anyway
          ms = ms_since(t0) / 2;
          return text;
        }
        text = live_empty.read(im).text;
        break;
      case Thorough: text = decode_qr(im, DecodeEffort::Thorough).text; break;
      case Zx: text = zxing_plain(im, false); break;
      case ZxQr: text = zxing_plain(im, true); break;
      case ZbarQr: text = zbar.read(im); break;
      default: break;
    }
    ms = ms_since(t0);
    if (first) *first = text;
    return text;
  }

  void add(std::array<Tally, Readers>& tallies, const GreyImage& im, const std::optional<std::string>& expected,
           std::array<bool, Readers>* hits = nullptr) {
    for (int r = 0; r < Readers; ++r) {
      double ms = 0;
      std::optional<std::string> first;
      const auto text = read(static_cast<Reader>(r), im, expected.has_value(), ms, &first);
      Tally& t = tallies[r];
      if (expected) {
        ++t.codes;
        t.code_ms.push_back(ms);
        t.read += text == expected;
        t.read_first += first == expected;
        t.wrong += text && text != expected;
      } else {
        ++t.empties;
        t.empty_ms.push_back(ms);
        t.false_reads += text.has_value();
      }
      if (hits) (*hits)[r] = text == expected;
    }
  }
};

void print_tallies(const std::array<Tally, Readers>& t) {
  const Tally& zx = t[Zx];
  const Tally& zb = t[ZbarQr];
  std::printf("  %-27s %13s %9s | %-28s | %-22s | vs zxing: read, empty | vs zbar: empty\n", "reader", "read", "wrong",
              "code frame ms (median, p90)", "empty frame ms (median, mean)");
  for (int r = 0; r < Readers; ++r) {
    const Tally& x = t[r];
    char first[32] = "";
    if (r == Live) std::snprintf(first, sizeof first, " (1st %d)", x.read_first);
    std::printf("  %-27s %3d/%3d %5.1f%% %2d %s| %7.2f %7.2f                  | %7.2f %7.2f        | %5.2fx %5.2fx     | %5.3fx\n",
                reader_names[r], x.read, x.codes, 100.0 * x.read / std::max(1, x.codes), x.wrong, first,
                percentile(x.code_ms, 0.5), percentile(x.code_ms, 0.9), percentile(x.empty_ms, 0.5), mean(x.empty_ms),
                static_cast<double>(x.read) / std::max(1, zx.read), mean(x.empty_ms) / std::max(1e-9, mean(zx.empty_ms)),
                mean(x.empty_ms) / std::max(1e-9, mean(zb.empty_ms)));
    if (x.false_reads) std::printf("    ^ %d false reads on %d frames with no code\n", x.false_reads, x.empties);
  }
}

// ---- generated frames -----------------------------------------------------------------------

/// A QR code to show, with the text it holds.
struct Code {
  std::string text;
  QrCode qr;
};

/// A code of exactly `version` (error correction M), from libqrencode.
std::optional<QrCode> encode_version(const std::string& text, int version) {
  QRcode* c = QRcode_encodeString(text.c_str(), version, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!c) return std::nullopt;
  QrCode qr;
  qr.version = c->version;
  qr.modules = c->width;
  qr.dark.resize(static_cast<std::size_t>(c->width) * c->width);
  for (std::size_t i = 0; i < qr.dark.size(); ++i) qr.dark[i] = c->data[i] & 1;
  QRcode_free(c);
  if (qr.version != version) return std::nullopt;
  return qr;
}

/// A desk or a coat seen by a camera: smooth light and shade, hard-edged clutter, sensor noise.
GreyImage background(int w, int h, std::mt19937& rng) {
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  const int cell = 64, gw = w / cell + 2, gh = h / cell + 2;
  std::vector<double> grid(static_cast<std::size_t>(gw) * gh);
  for (auto& g : grid) g = 60 + rng() % 140;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double gx = static_cast<double>(x) / cell, gy = static_cast<double>(y) / cell;
      const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
      const double fx = gx - x0, fy = gy - y0;
      auto g = [&](int a, int b) { return grid[static_cast<std::size_t>(b) * gw + a]; };
      const double v = (g(x0, y0) * (1 - fx) + g(x0 + 1, y0) * fx) * (1 - fy) +
                       (g(x0, y0 + 1) * (1 - fx) + g(x0 + 1, y0 + 1) * fx) * fy;
      im.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>(v);
    }
  const int shapes = (w * h) / 6000;
  for (int i = 0; i < shapes; ++i) {
    const bool stroke = rng() % 3 != 0;
    const int rw = stroke ? 2 + rng() % 30 : 10 + rng() % 120, rh = stroke ? 1 + rng() % 3 : 10 + rng() % 90;
    const int rx = rng() % w, ry = rng() % h;
    const auto value = static_cast<std::uint8_t>(rng() % 256);
    for (int y = ry; y < std::min(h, ry + rh); ++y)
      for (int x = rx; x < std::min(w, rx + rw); ++x) im.pixels[static_cast<std::size_t>(y) * w + x] = value;
  }
  return distort::add_noise(distort::blur(im, 1), 6, rng());
}

struct Shot {
  GreyImage image;
  std::optional<std::string> expected;
  int version = 0;
  double module_px = 0;
  bool glare = false, inverted = false, blurred = false;
};

/// A frame showing `code` at about `module_px` pixels a module (less if it would not fit).
Shot shoot(int w, int h, const Code& code, double module_px, int index, std::mt19937& rng) {
  Shot s;
  s.version = code.qr.version;
  s.glare = index % 3 == 1;
  s.inverted = index % 10 == 7;
  s.blurred = index % 2 == 0;
  std::uniform_real_distribution<double> unit(0, 1);
  const double angle = unit(rng) * 360 - 180;
  // The rotated, tilted code must fit in the frame: shrink it if need be.
  const double side = (code.qr.modules + 8) * 1.45;  // worst case across a 45-degree turn
  module_px = std::min(module_px, 0.95 * std::min(w, h) / side);
  s.module_px = module_px;
  const int drawn = std::max(6, static_cast<int>(std::ceil(module_px)));
  GreyImage patch = qr_to_image(code.qr, drawn);
  patch = distort::rotate(patch, angle);
  const double t = 0.12;
  patch = distort::perspective(patch, {unit(rng) * t, unit(rng) * t, unit(rng) * t, unit(rng) * t, unit(rng) * t,
                                       unit(rng) * t, unit(rng) * t, unit(rng) * t});
  // Out of focus on every other frame (a blur about a quarter of a module wide), sharp-ish on the others.
  patch = distort::blur(patch, s.blurred ? std::max(1, drawn / 6) : drawn / 12);
  patch = distort::scale(patch, module_px / drawn);
  if (s.inverted) patch = invert(patch);  // light modules on the phone's dark screen
  patch = distort::reduce_contrast(patch, 0.45 + 0.45 * unit(rng), 100 + static_cast<int>(rng() % 60));
  s.image = background(w, h, rng);
  const int x = static_cast<int>(rng() % static_cast<unsigned>(std::max(1, w - patch.width)));
  const int y = static_cast<int>(rng() % static_cast<unsigned>(std::max(1, h - patch.height)));
  distort::paste(s.image, patch, x, y);
  if (s.glare)  // a lamp's reflection on the paper or the phone's glass, over part of the code
    s.image = distort::glare(s.image, (x + patch.width * unit(rng)) / w, (y + patch.height * unit(rng)) / h,
                             0.12 + 0.15 * unit(rng), 0.5 + 0.4 * unit(rng));
  s.image = distort::add_noise(s.image, 4 + 8 * unit(rng), rng());
  s.expected = code.text;
  return s;
}

const double module_sizes[] = {1.5, 2, 2.5, 3, 4, 6, 9, 15};

const char* band(double module_px) {
  if (module_px < 2) return "a: <2 px";
  if (module_px < 3) return "b: 2-3 px";
  if (module_px < 5) return "c: 3-5 px";
  if (module_px < 8) return "d: 5-8 px";
  return "e: 8+ px";
}

void bench_frames(int w, int h, int with_code, const std::vector<Code>& codes, const char* dump) {
  std::mt19937 rng(static_cast<std::uint32_t>(w * 7919 + h));
  Bench bench;
  std::array<Tally, Readers> tallies;
  // condition -> per reader (read, of)
  std::map<std::string, std::array<std::pair<int, int>, Readers>> by;
  const int empties = with_code / 2;
  int dumped = 0;
  // As a camera would give them: mostly nobody; a code now and then.
  for (int i = 0; i < with_code + empties; ++i) {
    if (i % 3 == 2) {
      const GreyImage empty = background(w, h, rng);
      bench.add(tallies, empty, std::nullopt);
      continue;
    }
    const int k = i - i / 3;  // which frame with a code
    const Code& code = codes[static_cast<std::size_t>(k) % codes.size()];
    const double module = module_sizes[(k / static_cast<int>(codes.size())) % std::size(module_sizes)];
    const Shot s = shoot(w, h, code, module, k, rng);
    if (dump && dumped < 12 && w == 1280 && k % 8 == 0)
      write_png(std::string(dump) + "/frame" + std::to_string(dumped++) + ".png", s.image);
    std::array<bool, Readers> hits{};
    bench.add(tallies, s.image, s.expected, &hits);
    std::vector<std::string> conditions = {std::string("module ") + band(s.module_px),
                                           "version " + std::to_string(s.version)};
    if (s.glare) conditions.push_back("with glare");
    if (s.inverted) conditions.push_back("light on dark");
    if (s.blurred) conditions.push_back("blurred 1/4 module");
    for (const auto& c : conditions)
      for (int r = 0; r < Readers; ++r) {
        by[c][r].first += hits[r];
        ++by[c][r].second;
      }
  }
  std::printf("%dx%d: %d frames with a code (versions 2-6; %s px a module), %d without\n", w, h, tallies[0].codes,
              "1.5/2/2.5/3/4/6/9/15", tallies[0].empties);
  print_tallies(tallies);
  std::printf("  read by condition:            ");
  for (const char* r : {"live", "thorough", "zxing", "zxing-qr", "zbar"}) std::printf("%10s", r);
  std::printf("\n");
  for (const auto& [condition, per] : by) {
    std::printf("    %-27s", condition.c_str());
    for (int r = 0; r < Readers; ++r) std::printf("   %3d/%-3d", per[r].first, per[r].second);
    std::printf("\n");
  }
}

// ---- real photographs -----------------------------------------------------------------------

std::optional<std::string> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void bench_photos(const fs::path& root) {
  struct Photo {
    fs::path path;
    std::optional<std::string> expected;
  };
  std::vector<Photo> photos;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;
    const std::string name = dir.path().filename().string();
    const bool codes = name.rfind("qrcode", 0) == 0, none = name.rfind("falsepositives", 0) == 0;
    if (!codes && !none) continue;
    for (const auto& file : fs::directory_iterator(dir.path(), ec)) {
      const std::string ext = file.path().extension().string();
      if (ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".webp" && ext != ".pgm") continue;
      Photo p{file.path(), std::nullopt};
      if (codes) {
        auto text = slurp(fs::path(file.path()).replace_extension(".txt"));
        if (!text) continue;  // no expected text: not part of the set
        p.expected = *text;
      }
      photos.push_back(std::move(p));
    }
  }
  std::sort(photos.begin(), photos.end(), [](const Photo& a, const Photo& b) { return a.path < b.path; });
  if (photos.empty()) {
    std::printf("no photos found under %s\n", root.string().c_str());
    return;
  }
  Bench bench;
  std::array<Tally, Readers> tallies;
  int unreadable = 0;
  for (const auto& p : photos) {
    auto image = read_image_file(p.path.string());
    if (!image) {
      ++unreadable;
      std::printf("  cannot read: %s\n", image.error().message.c_str());
      continue;
    }
    bench.add(tallies, *image, p.expected);
  }
  std::printf("real photographs (%s): %d with a code, %d without, %d unreadable files\n",
              root.filename().string().c_str(), tallies[0].codes, tallies[0].empties, unreadable);
  print_tallies(tallies);
}

}  // namespace

int main(int argc, char** argv) {
  // A fixed signing key and seeds, so every run draws the very same frames.
  if (sodium_init() < 0) return 1;
  SecretKey key;
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i);
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  crypto_sign_seed_keypair(public_key.data(), key.bytes.data(), seed.data());
  std::mt19937_64 ids(42);
  std::vector<Code> codes;  // versions 2..6 in turn
  const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  for (int round = 0; round < 2; ++round)
    for (int version = 2; version <= 6; ++version) {
      std::string text;
      std::optional<QrCode> qr;
      if (version == 6) {  // a real ticket
        Ticket t;
        t.meeting = MeetingId{ids()};
        t.rsvp = RsvpId{ids()};
        t.not_before = 1893456000;
        t.not_after = t.not_before + 7200;
        text = issue_ticket(t, key);
        qr = encode_qr(text);
      } else {  // an enrolment code or a link, as long as fits this version
        const std::size_t length[] = {0, 0, 24, 38, 58, 80};
        text = version % 2 ? "https://cate-stl.org/r/" : "CATE-ENROL:";
        while (text.size() < length[version]) text += alphabet[ids() % 56];
        qr = encode_version(text, version);
      }
      if (!qr || qr->version != version) {
        std::fprintf(stderr, "bench_decode: cannot make a version %d code\n", version);
        return 1;
      }
      codes.push_back({text, std::move(*qr)});
    }
  const char* n = std::getenv("CATE_BENCH_FRAMES");
  const int with_code = n ? std::max(10, std::atoi(n)) : 200;
  const char* dump = std::getenv("CATE_BENCH_DUMP");
  std::printf("ratios: read = codes read / plain zxing's; empty = mean cost of a frame with no code / plain zxing's "
              "(defaults) or zbar's\n\n");
  bench_frames(640, 480, with_code, codes, dump);
  std::printf("\n");
  bench_frames(1280, 720, with_code, codes, dump);
  if (argc > 1) {
    std::printf("\n");
    bench_photos(argv[1]);
  }
  return 0;
}

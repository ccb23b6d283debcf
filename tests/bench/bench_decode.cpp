// How fast and how well the kiosk reads ticket QR codes, against plain ZXing on the same frames.
//
// Synthetic camera frames (640x480 and 1280x720 grey, a cluttered noisy background, half of
// them with a ticket QR at a few module sizes, slightly turned, tilted, blurred and noisy) are
// read three ways in the same run: decode_qr Fast, decode_qr Thorough, and ZXing::ReadBarcode
// with default hints (all formats), the baseline. Optionally, a folder of real photographs
// (qrcode-*/NAME.{png,jpg,webp} with the expected text in NAME.txt; falsepositives-*/ with no
// code) is read by ours and the baseline.
//
//   bench_decode [PHOTO_FOLDER]
//   CATE_BENCH_DUMP=FOLDER bench_decode   also writes a few 1280x720 frames there as PNG
#include <ReadBarcode.h>
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
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/ticket.hpp"
#include "tests/integration/image_distort.hpp"

namespace fs = std::filesystem;
using namespace cate;

namespace {

using Clock = std::chrono::steady_clock;

/// What one reader made of one frame.
struct Read {
  std::optional<std::string> text;
  double ms = 0;
};

Read baseline(const GreyImage& im, bool qr_only = false) {
  const auto start = Clock::now();
  ZXing::DecodeHints hints;  // defaults: every format, try harder, rotate, downscale
  if (qr_only) hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const auto r = ZXing::ReadBarcode(ZXing::ImageView(im.pixels.data(), im.width, im.height, ZXing::ImageFormat::Lum), hints);
  Read out;
  out.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (r.isValid() && r.format() == ZXing::BarcodeFormat::QRCode) out.text = r.text();
  return out;
}

Read ours(const GreyImage& im, DecodeEffort effort) {
  const auto r = decode_qr(im, effort);
  return {r.text, r.ms};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::clamp(p * (v.size() - 1) + 0.5, 0.0, v.size() - 1.0));
  return v[i];
}

/// A desk or a coat seen by a camera: smooth light and shade, some hard-edged clutter (papers,
/// text-like strokes), sensor noise.
GreyImage background(int w, int h, std::mt19937& rng) {
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  // Smooth shading: bilinear value noise on a coarse grid.
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
  // Clutter: rectangles and thin strokes.
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

struct Frame {
  GreyImage image;
  std::optional<std::string> expected;  ///< the ticket text, or nothing for an empty frame
  double module_px = 0;
};

/// A ticket QR as a phone or sheet would show it: `module_px` pixels a module in the frame.
GreyImage ticket_patch(const QrCode& qr, double module_px, std::mt19937& rng) {
  const int drawn = 6;  // draw large, then shrink: smooth edges like a real lens
  GreyImage im = qr_to_image(qr, drawn);
  std::uniform_real_distribution<double> angle(-12, 12), tilt(0.0, 0.08);
  im = distort::rotate(im, angle(rng));
  im = distort::perspective(im, {tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng)});
  im = distort::blur(im, 1);  // about a quarter module: slightly out of focus
  im = distort::scale(im, module_px / drawn);
  im = distort::reduce_contrast(im, 0.6 + 0.3 * (rng() % 100) / 100.0, 120 + rng() % 40);
  return im;
}

std::vector<Frame> make_frames(int w, int h, int count, const std::vector<std::pair<std::string, QrCode>>& tickets,
                               std::mt19937& rng) {
  const double module_sizes[] = {2.5, 3, 4, 6};
  std::vector<Frame> frames;
  for (int i = 0; i < count; ++i) {
    Frame f;
    f.image = background(w, h, rng);
    if (i % 2 == 1) {
      const auto& [text, qr] = tickets[static_cast<std::size_t>(i) % tickets.size()];
      f.module_px = module_sizes[(i / 2) % std::size(module_sizes)];
      const GreyImage patch = ticket_patch(qr, f.module_px, rng);
      if (patch.width < w && patch.height < h) {
        distort::paste(f.image, patch, static_cast<int>(rng() % (w - patch.width)),
                       static_cast<int>(rng() % (h - patch.height)));
        f.image = distort::add_noise(f.image, 8, rng());
        f.expected = text;
      }
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

struct Tally {
  std::vector<double> empty_ms, code_ms;
  int read = 0, codes = 0, false_reads = 0, empties = 0;
  void add(const Frame& f, const Read& r) {
    if (f.expected) {
      code_ms.push_back(r.ms);
      ++codes;
      if (r.text == f.expected) ++read;
    } else {
      empty_ms.push_back(r.ms);
      ++empties;
      if (r.text) ++false_reads;
    }
  }
};

void print_row(const char* who, const Tally& t, const Tally& base) {
  std::printf("  %-22s empty: median %7.2f p90 %7.2f ms | code: median %7.2f p90 %7.2f ms | read %2d/%2d | "
              "false %d/%d | median ratio to baseline: empty %.2f, code %.2f\n",
              who, percentile(t.empty_ms, 0.5), percentile(t.empty_ms, 0.9), percentile(t.code_ms, 0.5),
              percentile(t.code_ms, 0.9), t.read, t.codes, t.false_reads, t.empties,
              percentile(t.empty_ms, 0.5) / std::max(1e-9, percentile(base.empty_ms, 0.5)),
              percentile(t.code_ms, 0.5) / std::max(1e-9, percentile(base.code_ms, 0.5)));
}

void bench_frames(int w, int h, int count, const std::vector<std::pair<std::string, QrCode>>& tickets) {
  std::mt19937 rng(static_cast<std::uint32_t>(w * 7919 + h));
  const auto frames = make_frames(w, h, count, tickets, rng);
  Tally fast, thorough, base;
  std::vector<std::pair<double, std::pair<int, int>>> by_module;  // module px -> (fast read, baseline read)
  for (const auto& f : frames) {
    const Read a = ours(f.image, DecodeEffort::Fast), b = ours(f.image, DecodeEffort::Thorough), c = baseline(f.image);
    fast.add(f, a);
    thorough.add(f, b);
    base.add(f, c);
  }
  std::printf("%dx%d, %d frames (%d with a ticket QR, module sizes 2.5/3/4/6 px):\n", w, h, count, fast.codes);
  print_row("ours Fast", fast, base);
  print_row("ours Thorough", thorough, base);
  print_row("baseline ReadBarcode", base, base);
  // Detection by module size.
  const double module_sizes[] = {2.5, 3, 4, 6};
  for (double m : module_sizes) {
    int n = 0, rf = 0, rt = 0, rb = 0;
    for (const auto& f : frames) {
      if (!f.expected || f.module_px != m) continue;
      ++n;
      rf += ours(f.image, DecodeEffort::Fast).text == f.expected;
      rt += ours(f.image, DecodeEffort::Thorough).text == f.expected;
      rb += baseline(f.image).text == f.expected;
    }
    std::printf("    %.1f px/module: Fast %d/%d, Thorough %d/%d, baseline %d/%d\n", m, rf, n, rt, n, rb, n);
  }
}

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
  struct Who {
    const char* name;
    std::function<Read(const GreyImage&)> read;
    std::vector<double> ms;
    int correct = 0, wrong = 0, false_reads = 0;
  };
  std::vector<Who> who = {
      {"ours Thorough", [](const GreyImage& im) { return ours(im, DecodeEffort::Thorough); }, {}},
      {"ours Fast", [](const GreyImage& im) { return ours(im, DecodeEffort::Fast); }, {}},
      {"baseline (all formats)", [](const GreyImage& im) { return baseline(im); }, {}},
      {"baseline (QR only)", [](const GreyImage& im) { return baseline(im, true); }, {}},
  };
  int codes = 0, empties = 0, unreadable = 0;
  for (const auto& p : photos) {
    auto image = read_image_file(p.path.string());
    if (!image) {
      ++unreadable;
      std::printf("  cannot read: %s\n", image.error().message.c_str());
      continue;
    }
    (p.expected ? codes : empties)++;
    for (auto& w : who) {
      const Read r = w.read(*image);
      w.ms.push_back(r.ms);
      if (p.expected) {
        if (r.text == p.expected) ++w.correct;
        else if (r.text) ++w.wrong;
      } else if (r.text) {
        ++w.false_reads;
      }
    }
  }
  std::printf("real photos: %d with a code, %d without, %d unreadable files\n", codes, empties, unreadable);
  for (const auto& w : who)
    std::printf("  %-22s correct %3d/%d, wrong text %d, false reads %d/%d | median %7.2f ms, p90 %7.2f ms\n", w.name,
                w.correct, codes, w.wrong, w.false_reads, empties, percentile(w.ms, 0.5), percentile(w.ms, 0.9));
}

}  // namespace

int main(int argc, char** argv) {
  // A fixed signing key, so every run draws the very same frames.
  if (sodium_init() < 0) return 1;
  SecretKey key;
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i);
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  crypto_sign_seed_keypair(public_key.data(), key.bytes.data(), seed.data());
  std::mt19937_64 ids(42);
  std::vector<std::pair<std::string, QrCode>> tickets;
  for (int i = 0; i < 8; ++i) {
    Ticket t;
    t.meeting = MeetingId{ids()};
    t.rsvp = RsvpId{ids()};
    t.not_before = 1893456000;
    t.not_after = t.not_before + 7200;
    const std::string text = issue_ticket(t, key);
    auto qr = encode_qr(text);
    if (!qr) {
      std::fprintf(stderr, "cannot encode a ticket as QR\n");
      return 1;
    }
    tickets.emplace_back(text, std::move(*qr));
  }
  std::printf("ticket QR: version %d, %d modules a side\n\n", tickets[0].second.version, tickets[0].second.modules);
  bench_frames(640, 480, 80, tickets);
  std::printf("\n");
  bench_frames(1280, 720, 80, tickets);
  if (const char* dump = std::getenv("CATE_BENCH_DUMP")) {  // write a few frames to look at
    std::mt19937 rng(1);
    const auto frames = make_frames(1280, 720, 8, tickets, rng);
    for (std::size_t i = 0; i < frames.size(); ++i)
      write_png(std::string(dump) + "/frame" + std::to_string(i) + ".png", frames[i].image);
  }
  if (argc > 1) {
    std::printf("\n");
    bench_photos(argv[1]);
  }
  return 0;
}

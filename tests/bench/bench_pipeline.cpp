// The live camera path: cost per empty frame, detection on camera-like frames, and latency
// from frame capture to check-in outcome.
//
// 1. Empty frames (640x480, 1280x720; a cluttered, noisy room): LiveDecoder (the pipeline's
//    reader; also with each ticket frame shown twice in a row), decode_qr Fast, and plain ZXing::ReadBarcode (defaults: all formats; and QR only).
// 2. Frames with a ticket (module sizes 2.5/3/4/6 px, turned, tilted, blurred, dimmed, noisy),
//    read as a stream by each.
// 3. Latency: a file source at 30 frames a second shows a ticket for 10 frames, then nobody for
//    5, again and again; the pipeline reads it and the kiosk checks it in (real store, on disk).
//    Capture-to-outcome is from the capture time of the frame the code was read in; appearance-
//    to-outcome from the first frame that showed the ticket (what the person waits).
//
//   bench_pipeline [APPEARANCES]      (default 30 a frame size)
#include <ReadBarcode.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "kiosk/core/check_in.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/scan/decode.hpp"
#include "kiosk/scan/live_decode.hpp"
#include "kiosk/scan/pipeline.hpp"
#include "platform/camera/file_source.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/bundle.hpp"
#include "tests/integration/image_distort.hpp"

using namespace cate;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

GreyImage room(int w, int h, std::mt19937& rng) {
  GreyImage im{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h)};
  const int cell = 64, gw = w / cell + 2;
  std::vector<double> grid(static_cast<std::size_t>(gw) * (h / cell + 2));
  for (auto& g : grid) g = 60 + rng() % 140;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double gx = static_cast<double>(x) / cell, gy = static_cast<double>(y) / cell;
      const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
      const double fx = gx - x0, fy = gy - y0;
      auto g = [&](int a, int b) { return grid[static_cast<std::size_t>(b) * gw + a]; };
      im.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>(
          (g(x0, y0) * (1 - fx) + g(x0 + 1, y0) * fx) * (1 - fy) + (g(x0, y0 + 1) * (1 - fx) + g(x0 + 1, y0 + 1) * fx) * fy);
    }
  for (int i = 0; i < (w * h) / 6000; ++i) {
    const bool stroke = rng() % 3 != 0;
    const int rw = stroke ? 2 + rng() % 30 : 10 + rng() % 120, rh = stroke ? 1 + rng() % 3 : 10 + rng() % 90;
    const int rx = rng() % w, ry = rng() % h;
    const auto v = static_cast<std::uint8_t>(rng() % 256);
    for (int y = ry; y < std::min(h, ry + rh); ++y)
      for (int x = rx; x < std::min(w, rx + rw); ++x) im.pixels[static_cast<std::size_t>(y) * w + x] = v;
  }
  return distort::add_noise(distort::blur(im, 1), 6, rng());
}

GreyImage with_ticket(GreyImage im, const QrCode& qr, double module_px, std::mt19937& rng) {
  const int drawn = 6;
  GreyImage patch = qr_to_image(qr, drawn);
  std::uniform_real_distribution<double> angle(-12, 12), tilt(0.0, 0.08);
  patch = distort::rotate(patch, angle(rng));
  patch = distort::perspective(patch, {tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng), tilt(rng)});
  patch = distort::blur(patch, 1);
  patch = distort::scale(patch, module_px / drawn);
  patch = distort::reduce_contrast(patch, 0.6 + 0.3 * (rng() % 100) / 100.0, 120 + rng() % 40);
  if (patch.width >= im.width || patch.height >= im.height) return im;
  distort::paste(im, patch, static_cast<int>(rng() % (im.width - patch.width)), static_cast<int>(rng() % (im.height - patch.height)));
  return distort::add_noise(im, 8, rng());
}

std::optional<std::string> plain(const GreyImage& im, bool qr_only) {
  ZXing::DecodeHints hints;
  if (qr_only) hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const auto r = ZXing::ReadBarcode(ZXing::ImageView(im.pixels.data(), im.width, im.height, ZXing::ImageFormat::Lum), hints);
  if (r.isValid() && r.format() == ZXing::BarcodeFormat::QRCode) return r.text();
  return std::nullopt;
}

void readers(int w, int h, const std::vector<std::pair<std::string, QrCode>>& tickets) {
  std::mt19937 rng(static_cast<std::uint32_t>(w + h));
  std::vector<GreyImage> empty;
  for (int i = 0; i < 40; ++i) empty.push_back(room(w, h, rng));
  const double modules[] = {2.5, 3, 4, 6};
  std::vector<std::pair<GreyImage, std::string>> coded;
  for (int i = 0; i < 80; ++i) {
    const auto& [text, qr] = tickets[static_cast<std::size_t>(i) % tickets.size()];
    coded.emplace_back(with_ticket(room(w, h, rng), qr, modules[i % 4], rng), text);
  }
  struct Who {
    const char* name;
    std::function<std::optional<std::string>(const GreyImage&)> read;
  };
  LiveDecoder live, live2;
  // LiveDecoder reads whole and half size in turn; here every frame with a ticket comes after an
  // empty one, so it always lands on the same turn. A person holds a code up for many frames:
  // the second row shows each ticket frame twice in a row (the time is per frame).
  std::vector<Who> who = {
      {"LiveDecoder (pipeline)", [&](const GreyImage& im) { return live.read(im).text; }},
      {"LiveDecoder, 2 frames", [&](const GreyImage& im) {
         auto a = live2.read(im).text;
         auto b = live2.read(im).text;
         return a ? a : b;
       }},
      {"decode_qr Fast", [](const GreyImage& im) { return decode_qr(im, DecodeEffort::Fast).text; }},
      {"ReadBarcode defaults", [](const GreyImage& im) { return plain(im, false); }},
      {"ReadBarcode QR only", [](const GreyImage& im) { return plain(im, true); }},
  };
  std::printf("%dx%d: %zu empty frames, %zu with a ticket (2.5/3/4/6 px a module)\n", w, h, empty.size(), coded.size());
  for (auto& r : who) {
    std::vector<double> empty_ms, code_ms;
    int read = 0, by_module[4] = {0, 0, 0, 0};
    // Interleaved as a camera would give them: an empty frame, a frame with a ticket, ...
    for (std::size_t i = 0; i < coded.size(); ++i) {
      auto t0 = Clock::now();
      (void)r.read(empty[i % empty.size()]);
      empty_ms.push_back(ms_since(t0));
      t0 = Clock::now();
      const bool ok = r.read(coded[i].first) == coded[i].second;
      code_ms.push_back(ms_since(t0) / (std::string_view(r.name) == "LiveDecoder, 2 frames" ? 2 : 1));
      read += ok;
      by_module[i % 4] += ok;
    }
    std::printf("  %-24s empty: median %6.2f ms p90 %6.2f | ticket: median %6.2f ms | read %2d/%zu (by px/module %d %d %d %d of %zu)\n",
                r.name, percentile(empty_ms, 0.5), percentile(empty_ms, 0.9), percentile(code_ms, 0.5), read, coded.size(),
                by_module[0], by_module[1], by_module[2], by_module[3], coded.size() / 4);
  }
}

void latency(int w, int h, int appearances, Store& store, const std::vector<std::string>& codes) {
  std::mt19937 rng(static_cast<std::uint32_t>(w * h));
  std::vector<std::pair<std::string, GreyImage>> frames;
  std::vector<std::uint64_t> first_frame;  // per appearance
  for (int a = 0; a < appearances; ++a) {
    auto qr = encode_qr(codes[static_cast<std::size_t>(a) % codes.size()]);
    first_frame.push_back(frames.size());
    const double module = 4 + (a % 3);  // held at 4-6 px a module
    for (int i = 0; i < 10; ++i) frames.emplace_back("ticket", with_ticket(room(w, h, rng), *qr, module, rng));
    for (int i = 0; i < 5; ++i) frames.emplace_back("empty", room(w, h, rng));
  }
  std::mutex m;
  std::vector<double> capture_to_outcome, appearance_to_outcome;
  std::vector<Clock::time_point> frame_times(frames.size());
  std::atomic<int> welcomed{0};
  ScanPipelineOptions options;
  options.repeat_window = 200ms;  // shorter than the 5 empty frames between appearances
  auto source = FileSource::of_images(std::move(frames), FileSourceOptions{30, {}, false});
  ScanPipeline pipeline(options, [&](const CameraScan& scan) {
    // The kiosk's work on a scan: check it in, durably (this bench's store has one user: here).
    const ScanResult r = check_in_code(store, scan.text, {now_unix_ms(), CheckInMethod::Camera});
    const auto done = Clock::now();
    if (r.outcome == ScanOutcome::CheckedIn) ++welcomed;
    std::lock_guard lock(m);
    capture_to_outcome.push_back(std::chrono::duration<double, std::milli>(done - scan.captured).count());
    // The appearance this frame belongs to, and when its first frame was captured (30 fps).
    const auto a = static_cast<std::size_t>(scan.frame_sequence / 15);
    const double first_ms = static_cast<double>(first_frame[a]) * 1000.0 / 30;
    const double this_ms = static_cast<double>(scan.frame_sequence) * 1000.0 / 30;
    appearance_to_outcome.push_back(capture_to_outcome.back() + this_ms - first_ms);
  });
  if (!pipeline.start(std::move(source))) return;
  pipeline.wait_until_done(600s);
  const auto s = pipeline.stats();
  std::printf("%dx%d at 30 fps: %d appearances, %llu scans (%d checked in), %llu frames, %llu read, %llu dropped\n", w, h,
              appearances, static_cast<unsigned long long>(s.scans), welcomed.load(), static_cast<unsigned long long>(s.frames),
              static_cast<unsigned long long>(s.decoded), static_cast<unsigned long long>(s.dropped));
  std::printf("  capture -> outcome:    median %6.1f ms  p99 %6.1f ms\n", percentile(capture_to_outcome, 0.5),
              percentile(capture_to_outcome, 0.99));
  std::printf("  appearance -> outcome: median %6.1f ms  p99 %6.1f ms\n", percentile(appearance_to_outcome, 0.5),
              percentile(appearance_to_outcome, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const int appearances = argc > 1 ? std::max(3, std::atoi(argv[1])) : 30;
  const auto dir = std::filesystem::temp_directory_path() / ("cate-bench-pipeline-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SecretKey key = SecretKey::generate();
  const std::int64_t now = now_unix_ms() / 1000;
  Bundle b;
  Meeting m{MeetingId::random(), "Bench meeting", now - 3600, now + 3600};
  b.meetings = {m};
  b.active_meeting = m.id;
  std::vector<std::string> codes;
  std::vector<std::pair<std::string, QrCode>> tickets;
  for (int i = 0; i < 2 * appearances; ++i) {
    Rsvp r{RsvpId::random(), m.id, "Person" + std::to_string(i), "Bench", ""};
    b.rsvps.push_back(r);
    codes.push_back(issue_ticket(Ticket{0, m.id, r.id, 1, now - 7200, now + 7200}, key));
    if (i < 8) tickets.emplace_back(codes.back(), *encode_qr(codes.back()));
  }
  auto store = Store::open((dir / "kiosk.db").string());
  if (!store || !(*store)->import_bundle(*read_bundle(write_bundle(b, key)), false, now * 1000)) {
    std::fprintf(stderr, "bench_pipeline: cannot set up the store in %s\n", dir.c_str());
    return 1;
  }
  readers(640, 480, tickets);
  readers(1280, 720, tickets);
  std::printf("\n");
  std::vector<std::string> first(codes.begin(), codes.begin() + appearances), second(codes.begin() + appearances, codes.end());
  latency(640, 480, appearances, **store, first);
  latency(1280, 720, appearances, **store, second);
  store->reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

// Ticket -> QR image -> distortions (as a phone photo or a printed sheet would suffer) -> QR
// reader -> the same ticket, signature and all. First in-process, then through the real
// cate-admin and cate-kiosk programs when they are built.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/keys.hpp"
#include "sync/protocol/ticket.hpp"
#include "tests/integration/image_distort.hpp"

namespace fs = std::filesystem;
using namespace cate;

namespace {

/// A ticket with random IDs, as the office would issue for one RSVP.
Ticket random_ticket(std::mt19937_64& rng) {
  Ticket t;
  t.meeting = MeetingId{rng()};
  t.rsvp = RsvpId{rng()};
  t.serial = static_cast<std::uint16_t>(1 + rng() % 5);
  t.not_before = 1893456000 + static_cast<std::int64_t>(rng() % 10000000);  // 2030 onwards
  t.not_after = t.not_before + 4 * 3600;
  return t;
}

/// A scratch folder of its own, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("cate-image-round-trip-" + std::to_string(rd()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

using Distortion = std::function<GreyImage(const GreyImage&, int scale, std::uint32_t seed)>;

/// The distortions every ticket image goes through. `scale` is pixels a module of the input.
std::vector<std::pair<std::string, Distortion>> distortions() {
  using namespace cate::distort;
  const Quad tilt{0.08, 0.02, 0.02, 0.10, 0.10, 0.05, 0.03, 0.12};
  return {
      {"none", [](const GreyImage& im, int, std::uint32_t) { return im; }},
      {"rotate 17", [](const GreyImage& im, int, std::uint32_t) { return rotate(im, 17); }},
      {"rotate 90", [](const GreyImage& im, int, std::uint32_t) { return rotate(im, 90); }},
      {"rotate 180", [](const GreyImage& im, int, std::uint32_t) { return rotate(im, 180); }},
      {"rotate 233", [](const GreyImage& im, int, std::uint32_t) { return rotate(im, 233); }},
      {"blur", [](const GreyImage& im, int s, std::uint32_t) { return blur(im, std::max(1, s / 4)); }},
      {"scale to 3 px/module", [](const GreyImage& im, int s, std::uint32_t) { return scale(im, 3.0 / s); }},
      {"noise sigma 20", [](const GreyImage& im, int, std::uint32_t seed) { return add_noise(im, 20, seed); }},
      {"perspective", [tilt](const GreyImage& im, int, std::uint32_t) { return perspective(im, tilt); }},
      {"low contrast + glare",
       [](const GreyImage& im, int, std::uint32_t) { return glare(reduce_contrast(im, 0.35, 150), 0.3, 0.3, 0.25, 0.5); }},
      {"combined",
       [tilt](const GreyImage& im, int s, std::uint32_t seed) {
         // Blur in proportion to the module size (none when modules are already small),
         // then seen from further away: about 4 pixels a module, a dim shot, sensor noise.
         GreyImage out = perspective(rotate(im, 17), tilt);
         out = blur(out, s / 6);
         out = scale(out, 4.0 / s);
         out = reduce_contrast(out, 0.7);
         return add_noise(out, 12, seed);
       }},
  };
}

/// Reads a ticket back: parses, verifies against the office's public key, returns the fields.
std::optional<Ticket> verified(const std::string& text, const KeyRing& keys) {
  auto parsed = parse_ticket(text);
  if (!parsed) return std::nullopt;
  auto fields = verify(*parsed, keys);
  if (!fields) return std::nullopt;
  return fields.value();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct RunResult {
  int status = -1;
  std::string out;
};

/// Runs a shell command and captures its standard output.
RunResult run(const std::string& command) {
  RunResult r;
  std::FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buffer[4096];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, p)) > 0) r.out.append(buffer, got);
  r.status = ::pclose(p);
  return r;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

/// The last non-empty line of a program's output (where an ID is printed).
std::string last_line(const std::string& out) {
  std::string t = trim(out);
  const auto nl = t.find_last_of('\n');
  return nl == std::string::npos ? t : trim(t.substr(nl + 1));
}

}  // namespace

TEST_CASE("tickets survive QR drawing, distortion and reading, in-process") {
  // Everything from fixed seeds (key, IDs, noise), so a failure is the same failure every run.
  std::array<std::uint8_t, 32> key_seed{};
  for (std::size_t b = 0; b < key_seed.size(); ++b) key_seed[b] = static_cast<std::uint8_t>(b * 7 + 3);
  const SecretKey key = SecretKey::from_seed(key_seed);
  KeyRing keys;
  keys.add(key.public_key());

  std::mt19937_64 rng(20300101);
  const auto all = distortions();
  std::map<std::string, std::pair<int, int>> counts;  // distortion -> (read correctly, tried)
  double slowest_ms = 0;

  const int kTickets = 12;
  std::uint32_t seed = 1;
  for (int i = 0; i < kTickets; ++i) {
    Ticket fields = random_ticket(rng);
    const std::string text = issue_ticket(fields, key);
    fields.key_id = key.public_key().id();
    REQUIRE(text.size() == kTicketTextLength);

    const auto qr = encode_qr(text);
    REQUIRE(qr.has_value());
    for (int scale : {4, 6, 8}) {
      const GreyImage clean = qr_to_image(*qr, scale);
      for (const auto& [name, distort_fn] : all) {
        CAPTURE(name);
        CAPTURE(scale);
        CAPTURE(i);
        const GreyImage image = distort_fn(clean, scale, seed++);
        const DecodeResult read = decode_qr(image, DecodeEffort::Thorough);
        slowest_ms = std::max(slowest_ms, read.ms);
        auto& [good, tried] = counts[name];
        ++tried;
        CHECK(read.ms >= 0);
        REQUIRE_MESSAGE(read.text.has_value(), "no QR code read");
        CHECK(*read.text == text);
        const auto back = verified(*read.text, keys);
        REQUIRE(back.has_value());
        CHECK(*back == fields);
        if (*read.text == text && back && *back == fields) ++good;
      }
    }
  }
  for (const auto& [name, c] : counts)
    std::cout << "  " << name << ": " << c.first << "/" << c.second << " read and verified\n";
  std::cout << "  slowest read: " << slowest_ms << " ms\n";
}

TEST_CASE("a blank or noisy image without a code reads as nothing") {
  GreyImage white{300, 200, std::vector<std::uint8_t>(300 * 200, 255)};
  CHECK_FALSE(decode_qr(white, DecodeEffort::Thorough).text.has_value());
  CHECK_FALSE(decode_qr(white, DecodeEffort::Fast).text.has_value());
  const GreyImage noise = distort::add_noise(GreyImage{320, 240, std::vector<std::uint8_t>(320 * 240, 128)}, 60, 7);
  CHECK_FALSE(decode_qr(noise, DecodeEffort::Thorough).text.has_value());
  CHECK_FALSE(decode_qr(GreyImage{}, DecodeEffort::Thorough).text.has_value());
}

TEST_CASE("ticket images round-trip through PNG and PGM files") {
  const SecretKey key = SecretKey::generate();
  KeyRing keys;
  keys.add(key.public_key());
  std::mt19937_64 rng(7);
  Ticket fields = random_ticket(rng);
  const std::string text = issue_ticket(fields, key);
  fields.key_id = key.public_key().id();
  const auto qr = encode_qr(text);
  REQUIRE(qr.has_value());
  const GreyImage clean = qr_to_image(*qr, 5);
  TempDir dir;

  SUBCASE("PNG bytes in memory") {
    const std::string png = encode_png(clean);
    REQUIRE_FALSE(png.empty());
    auto image = decode_image(png, "ticket.png");
    REQUIRE(image.ok());
    CHECK(image->width == clean.width);
    CHECK(image->height == clean.height);
    CHECK(image->pixels == clean.pixels);
    const auto read = decode_qr(*image);
    REQUIRE(read.text.has_value());
    CHECK(*read.text == text);
    CHECK(verified(*read.text, keys) == fields);
  }
  SUBCASE("PNG file") {
    const std::string path = (dir.path / "ticket.png").string();
    REQUIRE(write_png(path, clean));
    auto image = read_image_file(path);
    REQUIRE(image.ok());
    CHECK(image->pixels == clean.pixels);
    const auto read = decode_qr(*image);
    REQUIRE(read.text.has_value());
    CHECK(verified(*read.text, keys) == fields);
  }
  SUBCASE("PGM file, distorted") {
    const std::string path = (dir.path / "ticket.pgm").string();
    const GreyImage photo = distort::add_noise(distort::rotate(clean, 33), 10, 99);
    REQUIRE(write_pgm(path, photo));
    auto image = read_image_file(path);
    REQUIRE(image.ok());
    CHECK(image->width == photo.width);
    CHECK(image->pixels == photo.pixels);
    const auto read = decode_qr(*image);
    REQUIRE(read.text.has_value());
    CHECK(*read.text == text);
    CHECK(verified(*read.text, keys) == fields);
  }
}

TEST_CASE("cate-admin draws a ticket PNG that cate-kiosk reads back after distortion") {
  const char* admin_env = std::getenv("CATE_ADMIN");
  const char* kiosk_env = std::getenv("CATE_KIOSK");
  if (!admin_env || !kiosk_env || !fs::exists(admin_env) || !fs::exists(kiosk_env)) {
    FAIL("CATE_ADMIN and CATE_KIOSK must name the built cate-admin and cate-kiosk programs (ctest sets them)");
  }
  const std::string admin = shell_quote(fs::absolute(admin_env).string());
  const std::string kiosk = shell_quote(fs::absolute(kiosk_env).string());
  TempDir dir;
  const std::string cd = "cd " + shell_quote(dir.path.string()) + " && ";
  const std::string db = " --db central.db ";

  auto init = run(cd + admin + db + "init");
  REQUIRE(init.status == 0);
  // A meeting today, so the tickets are valid now and `cate-kiosk scan` can check them in.
  char today[16];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(today, sizeof today, "%Y-%m-%d", &local);
  auto meeting = run(cd + admin + db + "meeting add --name 'Round trip' --starts '" + today + " 00:01' --ends '" +
                     today + " 23:59'");
  REQUIRE(meeting.status == 0);
  const std::string meeting_id = last_line(meeting.out);
  REQUIRE_MESSAGE(MeetingId::parse(meeting_id).has_value(), "meeting add printed: " << meeting.out);

  auto rsvp = run(cd + admin + db + "rsvp add --meeting " + shell_quote(meeting_id) + " --first Ana --last Diaz");
  REQUIRE(rsvp.status == 0);
  const std::string rsvp_id = last_line(rsvp.out);
  REQUIRE_MESSAGE(RsvpId::parse(rsvp_id).has_value(), "rsvp add printed: " << rsvp.out);

  auto png = run(cd + admin + db + "ticket --rsvp " + shell_quote(rsvp_id) + " --format png --out t.png");
  REQUIRE(png.status == 0);
  auto text_run = run(cd + admin + db + "ticket --rsvp " + shell_quote(rsvp_id) + " --format text");
  REQUIRE(text_run.status == 0);
  const std::string ticket_text = last_line(text_run.out);
  REQUIRE(parse_ticket(ticket_text).ok());

  auto ticket_image = read_image_file((dir.path / "t.png").string());
  REQUIRE_MESSAGE(ticket_image.ok(), (ticket_image.ok() ? "" : ticket_image.error().message));
  const GreyImage clean = *ticket_image;
  CHECK(decode_qr(clean).text == ticket_text);

  // Several photos of the printed ticket, and one photo of a blank sheet.
  using namespace cate::distort;
  const Quad tilt{0.06, 0.03, 0.03, 0.08, 0.08, 0.04, 0.02, 0.10};
  std::map<std::string, GreyImage> photos = {
      {"rotated.png", rotate(clean, 233)},
      {"blurred.png", blur(clean, 2)},
      {"small.png", scale(clean, 0.5)},
      {"noisy.png", add_noise(clean, 20, 11)},
      {"tilted.png", perspective(clean, tilt)},
      {"combined.png", add_noise(blur(perspective(rotate(clean, 17), tilt), 1), 12, 12)},
  };
  std::string files = " t.png";
  for (const auto& [name, image] : photos) {
    CAPTURE(name);
    CHECK(decode_qr(image).text == ticket_text);  // readable in-process, so the kiosk must read it too
    REQUIRE(write_png((dir.path / name).string(), image));
    files += " " + name;
  }
  GreyImage blank{200, 200, std::vector<std::uint8_t>(200 * 200, 255)};
  REQUIRE(write_png((dir.path / "blank.png").string(), blank));
  files += " blank.png";

  auto decoded = run(cd + kiosk + " decode" + files);
  std::map<std::string, nlohmann::json> by_file;
  std::size_t start = 0;
  while (start < decoded.out.size()) {
    auto end = decoded.out.find('\n', start);
    if (end == std::string::npos) end = decoded.out.size();
    const std::string line = trim(decoded.out.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not a JSON line: " << line);
    REQUIRE(j.contains("file"));
    REQUIRE(j.contains("text"));
    REQUIRE(j.contains("ms"));
    CHECK(j["ms"].is_number());
    by_file[fs::path(j["file"].get<std::string>()).filename().string()] = j;
  }
  for (const std::string name : {"t.png", "rotated.png", "blurred.png", "small.png", "noisy.png", "tilted.png",
                                 "combined.png"}) {
    CAPTURE(name);
    REQUIRE(by_file.count(name) == 1);
    REQUIRE(by_file[name]["text"].is_string());
    CHECK(by_file[name]["text"].get<std::string>() == ticket_text);
  }
  REQUIRE(by_file.count("blank.png") == 1);
  CHECK(by_file["blank.png"]["text"].is_null());

  // And through the whole kiosk: the clean ticket checks in, every photo of it after that is
  // "already checked in" (the same person, once), and the blank sheet is unreadable.
  REQUIRE(run(cd + admin + db + "bundle --meeting " + shell_quote(meeting_id) + " --out m.bundle").status == 0);
  REQUIRE(run(cd + kiosk + " --store kiosk.db import m.bundle").status == 0);
  auto scanned = run(cd + kiosk + " --store kiosk.db scan" + files);
  REQUIRE(scanned.status == 0);
  std::map<std::string, std::string> outcome_of;
  std::istringstream lines(scanned.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not a JSON line: " << line);
    outcome_of[fs::path(j.at("file").get<std::string>()).filename().string()] = j.at("outcome");
    if (j.at("outcome") == "checked_in") CHECK(j.at("rsvp") == rsvp_id);
  }
  CHECK(outcome_of["t.png"] == "checked_in");
  for (const auto& [name, image] : photos) {
    CAPTURE(name);
    CHECK(outcome_of[name] == "already_checked_in");
  }
  CHECK(outcome_of["blank.png"] == "unreadable");
}

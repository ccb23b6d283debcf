// cate-kiosk --demo: a self-contained demo meeting, no server, no camera needed.
//
// Sets up a fresh demo store from assets/demo/demo.json through the same bundle path a real
// kiosk uses, writes ticket images (good ones, and one of each kind that is refused), then runs
// the kiosk on it: the window app when there is a display, else (or with --text) a text loop
// where a line typed, pasted or sent by a keyboard-wedge scanner is a code, and a path to an
// image file is scanned. The demo's signing key lives only in this process.
//
// The demo also plays the server's part for the sign-up and walk-in forms: it makes a demo
// server identity, gives the kiosk its public key to seal forms to (setting seal_key), and
// writes the secret key beside the tickets (tickets/demo-server.key) so the forms taken can be
// opened: sqlite3 demo.db "SELECT payload FROM outbox WHERE kind='form'" | cate-admin open-forms
// --key tickets/demo-server.key
// With --camera demo (kiosk/demo.sh asks for it on a machine with no camera), the demo's camera
// is a folder of pictures it makes: a few of its tickets held up in turn, with empty frames
// between them, round and round. Not the default: its tickets would check people in behind the
// back of someone trying the kiosk by hand.
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "assets/assets.hpp"
#include "kiosk/app/run_app.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/core/check_in.hpp"
#include "kiosk/core/forms.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/scan/decode.hpp"
#include "platform/image.hpp"
#include "platform/paths.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/bundle.hpp"

namespace cate::cli {

using nlohmann::json;

namespace {

struct DemoTicket {
  std::string file;   ///< name under tickets/
  std::string code;   ///< the ticket text
  std::string label;  ///< what a person should expect
};

std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
    else if (c < 0x80 && !out.empty() && out.back() != '-') out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "guest" : out;
}

/// A valid ticket with one bit of its signature changed: what a forger would show.
std::string tamper(const std::string& code) {
  auto raw = base32_decode(std::string_view(code).substr(kTicketPrefix.size()));
  if (!raw) return code;
  (*raw)[kTicketBodyBytes + 10] ^= 0x01;
  return std::string(kTicketPrefix) +
         base32_encode(reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size());
}

void print_result(const ScanResult& r, Language lang) {
  Message m = message_for(r, lang);
  std::printf("\n  %s\n  %s\n  %s\n\n", m.title.c_str(), m.body.c_str(), m.next_step.c_str());
  std::fflush(stdout);
}

}  // namespace

int cmd_demo(const Options& o, const std::vector<std::string>& args) {
  std::string dir = kiosk_data_dir() + "/demo";
  bool text = false;
  std::vector<std::string> window_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--demo-dir" && i + 1 < args.size()) dir = args[++i];
    else if (args[i] == "--text") text = true;
    else window_args.push_back(args[i]);
  }
  app::AppLaunch launch;
  launch.store_path = dir + "/demo.db";
  launch.config.language = o.lang;
  launch.config.demo = true;
  if (std::string why = app::parse_app_options(window_args, launch); !why.empty()) {
    std::fprintf(stderr, "cate-kiosk: %s\nusage: cate-kiosk --demo [--demo-dir DIR] [--text] [WINDOW OPTIONS]\n",
                 why.c_str());
    return 2;
  }
  std::string err;
  if (!make_private_dir(dir + "/tickets", err)) {
    std::fprintf(stderr, "cate-kiosk: %s\n", err.c_str());
    return 1;
  }
  for (const char* f : {"/demo.db", "/demo.db-wal", "/demo.db-shm"}) std::filesystem::remove(dir + f);

  auto demo = json::parse(asset("demo/demo.json").value_or("{}"), nullptr, false);
  if (!demo.is_object() || !demo.contains("rsvps")) {
    std::fprintf(stderr, "cate-kiosk: the embedded demo data is damaged\n");
    return 1;
  }
  const std::int64_t now = now_unix_ms() / 1000;
  SecretKey key = SecretKey::generate();
  Bundle b;
  b.created_at = now;
  Meeting meeting{MeetingId::random(), demo["meeting"].value("name", "Demo meeting"),
                  now - 3600 * demo["meeting"].value("hours_before_now", 1),
                  now + 3600 * demo["meeting"].value("hours_after_now", 3)};
  Meeting other{MeetingId::random(), demo["other_meeting"].value("name", "Another meeting"),
                now + 86400 * demo["other_meeting"].value("days_from_now", 14), 0};
  other.ends_at = other.starts_at + 3 * 3600;
  b.meetings = {meeting, other};
  b.active_meeting = meeting.id;

  std::vector<DemoTicket> tickets;
  int n = 0;
  auto ticket_for = [&](const Meeting& m, RsvpId id, std::uint16_t serial = 1) {
    return Ticket{0, m.id, id, serial, m.starts_at - 12 * 3600, m.ends_at + 12 * 3600};
  };
  for (const auto& r : demo["rsvps"]) {
    Rsvp rsvp{RsvpId::random(), meeting.id, r.value("first_name", ""), r.value("last_name", ""),
              r.value("email", "")};
    b.rsvps.push_back(rsvp);
    char name[64];
    std::snprintf(name, sizeof name, "%02d-%s.png", ++n, slug(rsvp.first_name).c_str());
    tickets.push_back({name, issue_ticket(ticket_for(meeting, rsvp.id), key),
                       "welcome, " + rsvp.first_name + " (then: already checked in)"});
  }
  // One ticket for each way a ticket is refused.
  Rsvp late{RsvpId::random(), meeting.id, "Pat", "Lee", ""};
  b.rsvps.push_back(late);
  Ticket expired = ticket_for(meeting, late.id);
  expired.not_before = now - 3 * 86400;
  expired.not_after = now - 2 * 86400;
  tickets.push_back({"refused-expired.png", issue_ticket(expired, key), "expired"});
  Ticket early = ticket_for(meeting, RsvpId::random());
  early.not_before = now + 86400;
  tickets.push_back({"refused-not-yet-valid.png", issue_ticket(early, key), "not yet valid"});
  Rsvp elsewhere{RsvpId::random(), other.id, "Sam", "Ortiz", ""};
  b.rsvps.push_back(elsewhere);
  tickets.push_back({"refused-other-meeting.png", issue_ticket(ticket_for(other, elsewhere.id), key),
                     "for another meeting"});
  Rsvp withdrawn{RsvpId::random(), meeting.id, "Kim", "Park", ""};
  b.rsvps.push_back(withdrawn);
  b.revocations.push_back({TicketRef{withdrawn.id, 1}, now});
  tickets.push_back({"refused-revoked.png", issue_ticket(ticket_for(meeting, withdrawn.id), key), "revoked"});
  tickets.push_back({"refused-unknown-key.png",
                     issue_ticket(ticket_for(meeting, RsvpId::random()), SecretKey::generate()),
                     "signed by a key this kiosk does not know"});
  tickets.push_back({"refused-forged.png", tamper(issue_ticket(ticket_for(meeting, b.rsvps[0].id), key)),
                     "forged (one bit of a good ticket changed)"});

  // Through the real bundle path: written, read back, verified, imported.
  std::string bundle_text = write_bundle(b, key);
  if (!write_file_atomic(dir + "/demo-bundle.json", bundle_text, err)) {
    std::fprintf(stderr, "cate-kiosk: %s\n", err.c_str());
    return 1;
  }
  auto signed_bundle = read_bundle(bundle_text);
  auto store = Store::open(dir + "/demo.db");
  if (!signed_bundle || !store) {
    std::fprintf(stderr, "cate-kiosk: the demo could not be set up: %s\n",
                 !signed_bundle ? signed_bundle.error().c_str() : store.error().message.c_str());
    return 1;
  }
  if (auto imported = (*store)->import_bundle(*signed_bundle, false, now_unix_ms()); !imported) {
    std::fprintf(stderr, "cate-kiosk: %s\n", imported.error().message.c_str());
    return 1;
  }
  // The demo server's identity: forms are sealed to its public key; its secret key opens them.
  const SecretKey server = SecretKey::generate();
  const std::string server_key_path = dir + "/tickets/demo-server.key";
  if (!write_file_atomic(server_key_path, server.base64() + "\n", err) ||
      !(*store)->set_setting(kSealKeySetting, server.public_key().base64())) {
    std::fprintf(stderr, "cate-kiosk: the demo's server key could not be set up: %s\n", err.c_str());
    return 1;
  }
  std::filesystem::permissions(server_key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  if (launch.config.resources_url.empty()) launch.config.resources_url = demo.value("resources_url", "");
  if (launch.devices.camera == "demo") {
    // A scene: a grey wall, and a ticket held up in the middle of it now and then.
    std::error_code gone;
    std::filesystem::remove_all(dir + "/camera", gone);  // last run's pictures
    std::filesystem::create_directories(dir + "/camera");
    GreyImage scene{640, 480, std::vector<std::uint8_t>(640 * 480, 150)};
    int frame = 0;
    auto add_frame = [&](const GreyImage& img, int ms) {
      char name[32];
      std::snprintf(name, sizeof name, "/camera/%03d.png", frame++);
      launch.devices.camera_durations.push_back(std::chrono::milliseconds(ms));
      return write_png(dir + name, img);
    };
    for (const auto& f : demo.value("camera_plays", std::vector<std::string>{})) {
      auto t = std::find_if(tickets.begin(), tickets.end(), [&](const DemoTicket& d) { return d.file == f; });
      auto qr = t == tickets.end() ? std::nullopt : encode_qr(t->code);
      if (!qr) continue;
      GreyImage held = scene;
      const GreyImage code = qr_to_image(*qr, 5);
      const int x0 = (held.width - code.width) / 2, y0 = (held.height - code.height) / 2;
      for (int y = 0; y < code.height && y0 + y < held.height; ++y)
        for (int x = 0; x < code.width && x0 + x < held.width; ++x)
          held.pixels[static_cast<std::size_t>(y0 + y) * held.width + x0 + x] = code.at(x, y);
      if (!add_frame(scene, 4000) || !add_frame(held, 1500)) {
        std::fprintf(stderr, "cate-kiosk: cannot write the demo camera's pictures in %s/camera\n", dir.c_str());
        return 1;
      }
    }
    launch.devices.camera_folder = dir + "/camera";
  }

  std::string codes;
  for (const auto& t : tickets) {
    auto qr = encode_qr(t.code);
    if (!qr || !write_png(dir + "/tickets/" + t.file, qr_to_image(*qr, 8))) {
      std::fprintf(stderr, "cate-kiosk: cannot write the demo ticket %s\n", t.file.c_str());
      return 1;
    }
    codes += t.file + "  (" + t.label + ")\n" + t.code + "\n\n";
  }
  write_file_atomic(dir + "/tickets/codes.txt", codes, err);

  std::fprintf(stderr,
               "CATE kiosk demo: \"%s\" is open for check-in.\n"
               "Demo tickets (PNG) and their codes: %s/tickets/ (codes.txt)\n"
               "Forms are sealed to the demo server; its secret key, to open them: %s\n",
               meeting.name.c_str(), dir.c_str(), server_key_path.c_str());
  if (!text) {
    std::fputs("In the kiosk's window, scan a ticket with a keyboard-wedge scanner or type its code\n"
               "and press Enter. Close the window (or Ctrl-C here) to leave.\n\n", stderr);
    store->reset();  // the app's store thread opens it: one owner at a time
    const int code = app::run_kiosk_app(launch);
    if (code != app::kExitNoDisplay) return code;
    std::fputs("cate-kiosk: no display, so the demo goes on as text.\n", stderr);
    store = Store::open(launch.store_path);
    if (!store) {
      std::fprintf(stderr, "cate-kiosk: %s\n", store.error().message.c_str());
      return 1;
    }
  }
  std::fputs("Scan a ticket with a keyboard-wedge scanner, paste or type its code, or give the path\n"
             "of a ticket image, then press Enter. \"status\" shows the counts; Ctrl-D leaves.\n\n",
             stderr);

  Store& s = **store;
  bool interactive = isatty(STDIN_FILENO);
  std::string line;
  for (;;) {
    if (interactive) {
      std::fputs("> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line == "status") {
      if (auto c = s.counts(s.active_meeting()))
        std::printf("  %lld of %lld checked in, %lld refused scans, %lld records waiting to sync\n",
                    static_cast<long long>(c->checked_in), static_cast<long long>(c->rsvps),
                    static_cast<long long>(c->refused_scans), static_cast<long long>(c->outbox_pending));
      continue;
    }
    std::string code = line;
    CheckInMethod method = interactive ? CheckInMethod::Typed : CheckInMethod::Scanner;
    std::error_code ec;
    if (line.size() < 4096 && std::filesystem::is_regular_file(line, ec)) {
      auto image = read_image_file(line);
      if (!image) {
        std::printf("  %s\n", image.error().message.c_str());
        continue;
      }
      code = decode_qr(*image).text.value_or("");
      method = CheckInMethod::ImageFile;
    }
    print_result(check_in_code(s, code, {now_unix_ms(), method}), o.lang);
  }
  return 0;
}

}  // namespace cate::cli

// cate-kiosk: the check-in kiosk. Parses the global options and hands off to a subcommand.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "kiosk/app/run_app.hpp"
#include "kiosk/cli/commands.hpp"
#include "kiosk/cli/sync_command.hpp"
#include "kiosk/core/staff_pin.hpp"
#include "platform/paths.hpp"

namespace {

constexpr const char* kUsage = R"(cate-kiosk: the CATE check-in kiosk

usage: cate-kiosk [--store FILE] [--lang en|es] [COMMAND [ARGS] | WINDOW OPTIONS]

With no command, the kiosk's touch-screen app runs on the store (fullscreen).

  --demo [--demo-dir DIR] [--text] [WINDOW OPTIONS]
                              set up a demo meeting with demo tickets and run the kiosk on it:
                              in its window, or as text with --text or when there is no display;
                              --camera demo: the demo's own camera holds some of its tickets up
  import BUNDLE [--trust-new-office]
                              take in a provisioning bundle (meetings, keys, roster, revocations)
  meeting [ID]                list the meetings this kiosk knows, or make ID the active one
  scan FILE...                read the QR code in each image and check the ticket in
  checkin CODE...             check in typed or scanner codes; "checkin -" reads one a line from stdin
  decode FILE...              only read QR codes (PNG, JPEG, WebP, PGM); no check-in
  status                      counts for the active meeting, the outbox, the store
  camera [DEVICE] [--frames N]
                              camera test: read N frames (30) from a V4L2 camera, try to read a QR code
  enrol CODE | --qr FILE | --server URL --token TOKEN
                              enrol with the office's enrolment QR code (cate-admin device add)
  sync [--server URL] [--token TOKEN]
                              one sync round: upload the outbox, then pull meetings, rosters and keys
  purge [--retention-days N]  wipe roster names and e-mails past the retention window
  export --usb FOLDER         no network: write the outbox, sealed to the office server's key, to
                              one file on a USB stick (cate-admin import-usb takes it in); the
                              records stay here until a sync or the office's receipt
  import-receipt FILE         the office's signed receipt for an export: its records leave the outbox
  set-pin                     set the staff PIN (read from standard input; asked twice on a terminal)
  update verify FILE.deb [--sig FILE.sig] [--arch ARCH]
                              may this package from a USB stick be installed? Exit 0 only when
                              FILE.sig (default FILE.deb.sig, from cate-admin update sign) is
                              signed by an office key this kiosk trusts and names this very
                              file, the package cate-kiosk and this kiosk's architecture (ARCH,
                              default the build's); reads the store only

Window options:
%s
Every command prints one JSON object a line. The store is --store, else $CATE_KIOSK_STORE,
else kiosk.db in the kiosk's data folder ($CATE_DATA_DIR or ~/.local/share/cate-kiosk).
Exit codes: 0 done, 1 failed, 2 usage, 3 no display could be opened.
)";

void usage(std::FILE* to) { std::fprintf(to, kUsage, cate::app::kAppUsage); }

}  // namespace

int main(int argc, char** argv) {
  using namespace cate;
  cli::Options opts;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!command.empty()) {
      rest.push_back(a);
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if ((a == "--store" || a == "--lang") && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (a == "--store") opts.store_path = v;
      else if (auto l = parse_language(v)) opts.lang = *l;
      else {
        std::fprintf(stderr, "cate-kiosk: unknown language \"%s\" (use en or es)\n", v.c_str());
        return 2;
      }
    } else if (a == "--demo") {
      command = "demo";
    } else if (a.rfind("--", 0) == 0) {
      command = "app";  // window options: the app checks them
      rest.push_back(a);
    } else {
      command = a;
    }
  }
  if (opts.store_path.empty()) {
    const char* env = std::getenv("CATE_KIOSK_STORE");
    opts.store_path = env && *env ? env : kiosk_data_dir() + "/kiosk.db";
  }

  static const std::map<std::string, int (*)(const cli::Options&, const std::vector<std::string>&)> kCommands = {
      {"import", cli::cmd_import}, {"meeting", cli::cmd_meeting}, {"scan", cli::cmd_scan},
      {"checkin", cli::cmd_checkin}, {"decode", cli::cmd_decode}, {"status", cli::cmd_status},
      {"demo", cli::cmd_demo}, {"enrol", cli::cmd_enrol}, {"sync", cli::cmd_sync},
      {"purge", cli::cmd_purge}, {"export", cli::cmd_export},
      {"import-receipt", cli::cmd_import_receipt}, {"camera", cli::cmd_camera},
      {"update", cli::cmd_update},
      {"set-pin", [](const cli::Options& o, const std::vector<std::string>& a) {
         return cate::run_set_pin_command(o.store_path, a);
       }}};
  if (command.empty() || command == "app") return app::run_from_command_line(opts.store_path, opts.lang, rest);
  auto it = kCommands.find(command);
  if (it == kCommands.end()) {
    std::fprintf(stderr, "cate-kiosk: unknown command \"%s\"\n\n", command.c_str());
    usage(stderr);
    return 2;
  }
  return it->second(opts, rest);
}

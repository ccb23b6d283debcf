#include "kiosk/app/run_app.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "kiosk/app/kiosk_app.hpp"
#include "kiosk/app/service_app.hpp"
#include "kiosk/core/store_service.hpp"
#include "kiosk/core/sync_scheduler.hpp"

namespace cate::app {

const char* const kAppUsage =
    "  --windowed | --fullscreen   window for development, or the whole screen (the default)\n"
    "  --offscreen                 draw with no display at all (benchmarks, headless checks)\n"
    "  --idle-seconds S            back to the welcome screen, wiped, after S s untouched (30)\n"
    "  --welcome-seconds S         how long a welcome stays on screen (5)\n"
    "  --refusal-seconds S         how long any other answer stays, unless Done is touched (20)\n"
    "  --staff-idle-seconds S      staff mode left untouched for S s goes back to Welcome, locked (120)\n"
    "  --no-first-name             welcome people without showing their first name\n"
    "  --resources-url URL         a QR code on the welcome screen: resources on a person's phone\n"
    "  --render-every-frame        draw ~60 frames a second even when nothing changes (benchmarks)\n"
    "  --camera auto|none|/dev/videoN  the camera that reads QR codes (auto: the first one, if any)\n"
    "  --camera-folder DIR|IMAGE   play these images as the camera (the demo, tests)\n"
    "  --camera-fps N              the pace of --camera-folder (10 a second)\n"
    "  --camera-once               play --camera-folder once instead of round and round\n"
    "  --preview-fps N             draw the camera's picture at most N times a second (15)\n"
    "  --serial auto|/dev/ttyACMN  a USB serial barcode scanner (auto: the first /dev/ttyACM*)\n"
    "  --no-sound                  no chime on a check-in\n"
    "  --usb-folder DIR            staff's Export to USB also offers this folder (a stick mounted\n"
    "                              elsewhere; tests); may be given more than once\n"
    "  --usb-roots DIR[:DIR...]|none  where mounted USB sticks are looked for (/media:/run/media:/mnt)\n"
    "  --clock-folder DIR          where staff's Date and time asks the system to set the clock\n"
    "                              (/run/cate-clock; the device image's cate-set-clock.path)\n"
    "  --clock-synced-flag FILE    network time keeps the clock while FILE exists (tests; default\n"
    "                              systemd-timesyncd's flag, or the kernel's word)\n"
    "  Environment: CATE_FRAME_LOG=FILE appends each frame's time and duration (benchmarks).\n";

namespace {

bool parse_seconds(const std::string& text, std::int64_t& ms) {
  char* end = nullptr;
  const double s = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(s > 0) || s > 86400) return false;
  ms = static_cast<std::int64_t>(s * 1000);
  return true;
}

}  // namespace

std::string parse_app_options(const std::vector<std::string>& args, AppLaunch& launch) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::int64_t* seconds = a == "--idle-seconds"      ? &launch.config.idle_ms
                            : a == "--welcome-seconds" ? &launch.config.welcome_ms
                            : a == "--refusal-seconds" ? &launch.config.refusal_ms
                            : a == "--staff-idle-seconds" ? &launch.config.staff_idle_ms
                                                       : nullptr;
    if (seconds) {
      if (i + 1 >= args.size() || !parse_seconds(args[i + 1], *seconds))
        return a + " needs a number of seconds (more than 0)";
      ++i;
    } else if (a == "--windowed") {
      launch.window.fullscreen = false;
    } else if (a == "--fullscreen") {
      launch.window.fullscreen = true;
    } else if (a == "--offscreen") {
      launch.window.offscreen = true;
    } else if (a == "--no-first-name") {
      launch.config.show_first_name = false;
    } else if (a == "--render-every-frame") {
      launch.window.render_every_frame = true;
    } else if (a == "--resources-url") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return a + " needs an address";
      launch.config.resources_url = args[++i];
    } else if (a == "--usb-folder") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return a + " needs a folder";
      launch.config.usb.folders.push_back(args[++i]);
    } else if (a == "--usb-roots") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return a + " needs folders (DIR:DIR) or none";
      launch.config.usb.roots.roots.clear();
      for (std::size_t at = 0, end; args[i + 1] != "none" && at <= args[i + 1].size(); at = end + 1) {
        end = std::min(args[i + 1].find(':', at), args[i + 1].size());
        if (end > at) launch.config.usb.roots.roots.push_back(args[i + 1].substr(at, end - at));
      }
      ++i;
    } else if (a == "--clock-folder") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return a + " needs a folder";
      launch.config.clock.folder = args[++i];
    } else if (a == "--clock-synced-flag") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return a + " needs a file";
      launch.config.clock.synced_flag = args[++i];
      launch.config.clock.ask_kernel = false;  // the file alone says
    } else if (std::string why; parse_device_option(args, i, launch.devices, why)) {
      if (!why.empty()) return why;
    } else {
      return "unknown option " + a;
    }
  }
  if (const char* log = std::getenv("CATE_UI_TEXT_LOG"); log && *log) launch.text_log = log;
  if (const char* log = std::getenv("CATE_FRAME_LOG"); log && *log) launch.window.frame_log = log;
  return {};
}

int run_from_command_line(const std::string& store_path, Language language,
                          const std::vector<std::string>& args) {
  AppLaunch launch;
  launch.store_path = store_path;
  launch.config.language = language;
  std::string why = parse_app_options(args, launch);
  if (why.empty() && launch.devices.camera == "demo") why = "--camera demo is the demo's camera: use it with --demo";
  if (!why.empty()) {
    std::fprintf(stderr, "cate-kiosk: %s (see cate-kiosk --help)\n", why.c_str());
    return 2;
  }
  return run_kiosk_app(launch);
}

int run_kiosk_app(const AppLaunch& launch) {
  // The window first: with no display, nothing else is started. Destroyed last.
  auto runner = window::WindowRunner::open(launch.window);
  if (!runner) {
    std::fprintf(stderr, "cate-kiosk: %s\n", runner.error().message.c_str());
    return runner.error().kind == window::WindowError::Kind::NoDisplay ? kExitNoDisplay : 1;
  }
  auto store = StoreService::start(launch.store_path);
  if (!store) {
    std::fprintf(stderr, "cate-kiosk: %s\n", store.error().message.c_str());
    return 1;
  }
  std::unique_ptr<FrameTextLog> text_log;
  if (!launch.text_log.empty()) text_log = FrameTextLog::open(launch.text_log);
  // The app goes before the store (whose last answers then find no app), the store before the
  // window (its answers wake the window's loop).
  AppConfig config = launch.config;
  config.store_path = launch.store_path;  // shown to staff under device information
  // Background sync: after the store (it asks it), before the app (which shows it).
  SyncScheduler sync(**store, SyncSchedule{}, (*runner)->waker());
  KioskApp app(config, **store, (*runner)->waker(), std::move(text_log));
  app.attach_sync(&sync);
  app.attach(make_devices(launch.devices, (*runner)->waker()));
  // Under systemd: READY=1 after the first Welcome frame, the watchdog from the loop itself.
  systemd::ServiceNotifier notifier;
  ServiceApp service(app, notifier);
  const int status = (*runner)->run(service);
  notifier.stopping();
  return status;
}

}  // namespace cate::app

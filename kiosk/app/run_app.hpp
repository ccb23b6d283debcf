#pragma once
/// @brief Starts the kiosk's window app on a store: the one entry point cate-kiosk calls.
#include <string>
#include <vector>

#include "kiosk/app/app_state.hpp"
#include "kiosk/app/devices.hpp"
#include "platform/window/window.hpp"

namespace cate::app {

/// cate-kiosk's exit code when no display can be opened.
inline constexpr int kExitNoDisplay = 3;

struct AppLaunch {
  std::string store_path;
  AppConfig config;
  window::WindowOptions window;
  std::string text_log;  ///< UI tests: every frame's drawn text ($CATE_UI_TEXT_LOG)
  DeviceOptions devices; ///< camera, serial scanner, sound
};

/// The window app's options, for cate-kiosk's usage text.
extern const char* const kAppUsage;

/// Reads the window app's options (--windowed, --idle-seconds N, ...) into `launch`. Returns
/// an empty string, or what was wrong. $CATE_UI_TEXT_LOG is read here too.
std::string parse_app_options(const std::vector<std::string>& args, AppLaunch& launch);

/// `cate-kiosk [OPTIONS]` with no command: parses the app's options, then runs the app.
int run_from_command_line(const std::string& store_path, Language language,
                          const std::vector<std::string>& args);

/// Opens the window, then the store, and runs the kiosk until the window closes (or SIGTERM).
/// Returns the process exit code: 0, 1 (failed, said why), or kExitNoDisplay (said why).
int run_kiosk_app(const AppLaunch& launch);

}  // namespace cate::app
